package filter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"chapar/pipeline"
	"chapar/store"
)

// Duplicate suppresses a message delivered to the same mailbox before with
// the same Message-ID, within the Expire window (Cyrus's duplicate delivery
// suppression). The check is here; the mark is made by deliver in the
// transaction that commits the message (store.Delivery.DuplicateKey), so
// that a delivery that fails is not taken for a duplicate when the MTA
// tries again, and one that succeeds is never left unmarked.
//
// A mark carries the job id that made it: the same job coming back after a
// crash is a replay, not a duplicate.
//
// Within one job, two recipients that resolve to the same mailbox (alice
// and alice+NoSuchFolder, or an alias listed twice) get one copy.
type Duplicate struct {
	// Store holds the marks; nil when duplicatesuppression is off, and the
	// stage then passes every job on untouched.
	Store *store.Store
	// Expire is duplicate_expire: a mark older than this is forgotten.
	Expire time.Duration
}

// DupKey is the mark's key for (Message-ID, mailbox): a hash, so that its
// size does not depend on what a sender put in the Message-ID.
func DupKey(messageID, mailbox string) string {
	h := sha256.New()
	h.Write([]byte(messageID))
	h.Write([]byte{0})
	h.Write([]byte(mailbox))
	return hex.EncodeToString(h.Sum(nil))
}

// IgnoresBody implements pipeline.BodyBlind: the decision rests on the
// envelope and the Message-ID alone.
func (*Duplicate) IgnoresBody() {}

var _ pipeline.BodyBlind = (*Duplicate)(nil)

// Process implements pipeline.Stage.
func (d *Duplicate) Process(ctx context.Context, job *pipeline.Job) error {
	if d.Store == nil || job.MessageID == "" {
		return nil // off, or no Message-ID (RFC 5322 makes it optional)
	}
	kept := map[string]bool{}
	for _, i := range job.Pending() {
		r := &job.Recipients[i]
		key := DupKey(job.MessageID, r.Mailbox)
		if kept[key] {
			r.Done = true
			r.Result = suppressed
			continue
		}
		owner, at, found, err := d.Store.DuplicateMark(r.Mailbox, key)
		switch {
		case err != nil:
			return fmt.Errorf("duplicate check for %s: %w", r.Mailbox, err)
		case !found, owner == job.ID, d.Expire > 0 && time.Since(at) > d.Expire:
			r.DupKey = key
			kept[key] = true
		default:
			r.Done = true
			r.Result = suppressed
		}
	}
	return nil
}

// suppressed is what a suppressed duplicate is answered: Cyrus, too, says
// 250 and drops it.
var suppressed = pipeline.Result{Code: 250, Enhanced: "2.0.0", Text: "Ok (duplicate suppressed)"}
