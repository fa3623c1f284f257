// Package deliver is the pipeline's last stage and the only writer of
// delivered mail into the store.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"chapar/pipeline"
	"chapar/store"
)

// Writer delivers each pending recipient of a job into its mailbox. Replays
// are harmless: every (job, recipient) is a store idempotency key. A
// recipient the duplicate stage gave a DupKey is marked in the same
// transaction as its delivery.
//
// A recipient whose mailbox is not its user's (see targetAllowed) fails
// permanently with 550 5.7.1 and is logged: only a forged or corrupted job
// can ask for that.
type Writer struct {
	Store *store.Store
	// Log receives refused jobs; nil means slog.Default().
	Log *slog.Logger
}

// Process implements pipeline.Stage.
func (w *Writer) Process(ctx context.Context, job *pipeline.Job) error {
	// Every recipient on one partition shares the first one's body.
	var body *store.PlacedBody
	for _, i := range job.Pending() {
		r := &job.Recipients[i]
		if !targetAllowed(r) {
			w.log().Warn("job refused: target mailbox is not the recipient's",
				"job", job.ID, "rcpt", r.Address, "user", r.User, "mailbox", r.Mailbox)
			r.Done = true
			r.Result = pipeline.Result{Code: 550, Enhanced: "5.7.1", Text: "Target mailbox not permitted for this recipient"}
			continue
		}
		d, err := w.deliverOne(job, i, r.Mailbox, body)
		if errors.Is(err, store.ErrNoMailbox) && r.Mailbox != store.UserInbox(r.User) && r.User != "" {
			// The folder went away after it was chosen: INBOX, as Cyrus.
			d, err = w.deliverOne(job, i, store.UserInbox(r.User), body)
		}
		switch {
		case errors.Is(err, store.ErrNoMailbox):
			r.Done = true
			r.Result = pipeline.Result{Code: 550, Enhanced: "5.1.1", Text: "Mailbox unknown"}
			continue
		case err != nil:
			return fmt.Errorf("deliver job %s to %s: %w", job.ID, r.Mailbox, err)
		}
		if d.Body != nil {
			body = d.Body
		}
		r.Done = true
		r.Mailbox = d.Mailbox.Name
		r.Result = pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok"}
	}
	return nil
}

// Applied implements pipeline.ReplayChecker: a job is a replay when any of
// its recipients has an applied-delivery record. Every recipient of a job
// is settled in one Process before its out-of-band body is deleted, so
// one record is as good as all.
func (w *Writer) Applied(ctx context.Context, job *pipeline.Job) (bool, error) {
	for i := range job.Recipients {
		ok, err := w.Store.Applied(deliveryKey(job, i))
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

var _ pipeline.ReplayChecker = (*Writer)(nil)

// deliveryKey is the store's idempotency key of one recipient of a job.
func deliveryKey(job *pipeline.Job, i int) string { return job.ID + "/" + strconv.Itoa(i) }

func (w *Writer) deliverOne(job *pipeline.Job, i int, mailbox string, body *store.PlacedBody) (store.Delivered, error) {
	return w.Store.Deliver(store.Delivery{
		Body:           body,
		DuplicateKey:   job.Recipients[i].DupKey,
		DuplicateOwner: job.ID,
		Key:            deliveryKey(job, i),
		Mailbox:        mailbox,
		Message: store.NewMessage{
			Body:         job.Body,
			InternalDate: internalDate(job, time.Now()),
			MessageID:    job.MessageID,
		},
		Service: "lmtpd",
	})
}

func (w *Writer) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}
