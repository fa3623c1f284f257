package filter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"chapar/pipeline"
	"chapar/store"
)

// QuotaDirectory is what the quota stage reads of the store: the check
// against a mailbox's nearest quota root, and whether a delivery was
// applied already. *store.Store is one; a stage on another node could read
// the directory elsewhere (DESIGN.md, "Scaling out").
type QuotaDirectory interface {
	CheckQuota(mailbox string, bytes, msgs int64, strict bool) error
	Applied(key string) (bool, error)
}

// Quota refuses the recipients whose mailboxes are over quota, as Cyrus's
// lmtpd does: 452 4.2.2 "Mailbox is full", a temporary failure the MTA
// retries (RFC 3463 §3.3 X.2.2), or 552 5.2.2 with
// lmtp_over_quota_perm_failure. Each mailbox the message goes to counts:
// the Sieve stage's targets, else the recipient's mailbox; one over quota
// refuses the recipient. A refused recipient is settled (Done, Result,
// OverQuota) so that deliver passes it by.
//
// Strict (lmtp_strict_quota) asks whether the message fits; not strict,
// only whether the mailbox is full already, so one message may take it
// over (Cyrus's default).
type Quota struct {
	Store     QuotaDirectory
	Strict    bool
	Permanent bool // lmtp_over_quota_perm_failure
	Log       *slog.Logger
}

var _ pipeline.Stage = (*Quota)(nil)

// The answers of a refused recipient (RFC 3463: X.2.2 mailbox full).
var (
	overQuotaTemp = pipeline.Result{Code: 452, Enhanced: "4.2.2", Text: "Mailbox is full"}
	overQuotaPerm = pipeline.Result{Code: 552, Enhanced: "5.2.2", Text: "Mailbox is full"}
)

// OverQuotaResult is the answer Quota gives a refused recipient; ingest
// gives the same at RCPT time.
func OverQuotaResult(permanent bool) pipeline.Result {
	if permanent {
		return overQuotaPerm
	}
	return overQuotaTemp
}

// Process implements pipeline.Stage.
func (q *Quota) Process(ctx context.Context, job *pipeline.Job) error {
	size := int64(len(job.Body))
	for _, i := range job.Pending() {
		r := &job.Recipients[i]
		if r.QuotaWaived {
			continue // refused, but nobody waited to hear it: see bus.Runner
		}
		over, err := q.overQuota(r, size)
		if err != nil {
			return err
		}
		if over == "" {
			continue
		}
		// A replay of a job whose delivery committed finds its own
		// message in the usage: it was delivered, not refused.
		applied, err := q.Store.Applied(job.DeliveryKey(i))
		if err != nil {
			return fmt.Errorf("quota check for %s: %w", over, err)
		}
		if applied {
			continue
		}
		q.log().Info("over quota", "job", job.ID, "recipient", r.Address, "mailbox", over)
		r.Done, r.OverQuota, r.Result = true, true, OverQuotaResult(q.Permanent)
	}
	return nil
}

// overQuota returns the first of the recipient's mailboxes that is over
// quota, "" when none is. A mailbox that does not exist is deliver's to
// handle (it files into INBOX instead, as Cyrus does).
func (q *Quota) overQuota(r *pipeline.Recipient, size int64) (string, error) {
	check := func(mailbox string) (bool, error) {
		err := q.Store.CheckQuota(mailbox, size, 1, q.Strict)
		switch {
		case errors.Is(err, store.ErrOverQuota):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("quota check for %s: %w", mailbox, err)
		}
		return false, nil
	}
	if !r.Sieved {
		over, err := check(r.Mailbox)
		if over {
			return r.Mailbox, err
		}
		return "", err
	}
	for _, t := range r.Targets {
		over, err := check(t.Mailbox)
		if err != nil || over {
			return t.Mailbox, err
		}
	}
	return "", nil
}

func (q *Quota) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.Default()
}
