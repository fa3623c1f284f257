package filter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// Duplicate suppresses a message delivered to the same mailbox before with
// the same Message-ID, within the bucket's window (Cyrus's duplicate
// delivery suppression). The check is here; the mark is made by deliver once
// the message is committed, so that a delivery that fails is not taken for
// a duplicate when the MTA tries again.
//
// A mark carries the job id that made it: the same job coming back after a
// crash is a replay, not a duplicate.
//
// Within one job, two recipients that resolve to the same mailbox (alice
// and alice+NoSuchFolder, or an alias listed twice) get one copy.
type Duplicate struct {
	// KV is the bucket of marks; nil when duplicatesuppression is off, and
	// the stage then passes every job on untouched.
	KV jetstream.KeyValue
}

// DupKey is the bucket key of (Message-ID, mailbox): a hash, because both
// may hold characters a key cannot.
func DupKey(messageID, mailbox string) string {
	h := sha256.New()
	h.Write([]byte(messageID))
	h.Write([]byte{0})
	h.Write([]byte(mailbox))
	return hex.EncodeToString(h.Sum(nil))
}

// Process implements pipeline.Stage.
func (d *Duplicate) Process(ctx context.Context, job *pipeline.Job) error {
	if d.KV == nil || job.MessageID == "" {
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
		e, err := d.KV.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			r.DupKey = key
			kept[key] = true
		case err != nil:
			return err
		case string(e.Value()) == job.ID:
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
