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

	"chapar/message"
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
		if r.Sieved {
			if err := w.deliverSieved(job, i, &body); err != nil {
				return err
			}
			continue
		}
		if !targetAllowed(r, r.Mailbox) {
			w.refuse(job, r, r.Mailbox)
			continue
		}
		d, err := w.deliverOne(job, i, 0, pipeline.Target{Mailbox: r.Mailbox}, body)
		if errors.Is(err, store.ErrNoMailbox) && r.Mailbox != store.UserInbox(r.User) && r.User != "" {
			// The folder went away after it was chosen: INBOX, as Cyrus.
			d, err = w.deliverOne(job, i, 0, pipeline.Target{Mailbox: store.UserInbox(r.User)}, body)
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
		r.Result = delivered
	}
	return nil
}

// delivered is the answer for a recipient whose message is in the store.
var delivered = pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok"}

func (w *Writer) refuse(job *pipeline.Job, r *pipeline.Recipient, mailbox string) {
	w.log().Warn("job refused: target mailbox is not the recipient's",
		"job", job.ID, "rcpt", r.Address, "user", r.User, "mailbox", mailbox)
	r.Done = true
	r.Result = pipeline.Result{Code: 550, Enhanced: "5.7.1", Text: "Target mailbox not permitted for this recipient"}
}

// deliverSieved files a recipient's message where its Sieve script said:
// each target in turn (a fileinto that names a missing mailbox without
// :create lands in INBOX, as Cyrus does), none at all for a discard,
// redirect or reject. A recipient that already carries a result (a Sieve
// reject's 550) keeps it.
func (w *Writer) deliverSieved(job *pipeline.Job, i int, shared **store.PlacedBody) error {
	r := &job.Recipients[i]
	for _, t := range r.Targets {
		if !targetAllowed(r, t.Mailbox) {
			w.refuse(job, r, t.Mailbox)
			return nil
		}
	}
	body := *shared
	if r.Header != nil {
		body = nil // an edited header makes a message of its own
	}
	for k, t := range r.Targets {
		d, err := w.deliverOne(job, i, k, t, body)
		if errors.Is(err, store.ErrNoMailbox) && t.Create {
			if _, cerr := w.Store.CreateMailbox(t.Mailbox, store.CreateOptions{}); cerr != nil && !errors.Is(cerr, store.ErrMailboxExists) {
				w.log().Warn("fileinto :create failed; filing into INBOX", "job", job.ID, "mailbox", t.Mailbox, "err", cerr)
			} else {
				d, err = w.deliverOne(job, i, k, t, body)
			}
		}
		if errors.Is(err, store.ErrNoMailbox) && t.Mailbox != store.UserInbox(r.User) && r.User != "" {
			t.Mailbox = store.UserInbox(r.User)
			d, err = w.deliverOne(job, i, k, t, body)
		}
		switch {
		case errors.Is(err, store.ErrNoMailbox):
			r.Done = true
			r.Result = pipeline.Result{Code: 550, Enhanced: "5.1.1", Text: "Mailbox unknown"}
			return nil
		case err != nil:
			return fmt.Errorf("deliver job %s to %s: %w", job.ID, t.Mailbox, err)
		}
		if r.Header == nil && d.Body != nil {
			body, *shared = d.Body, d.Body
		}
		if k == 0 {
			r.Mailbox = d.Mailbox.Name
		}
	}
	if len(r.Targets) == 0 && r.DupKey != "" {
		// Filed nowhere: the mark still says this message was handled, so
		// a copy sent again neither lands nor runs the script again.
		if err := w.Store.MarkDuplicate(r.Mailbox, r.DupKey, job.ID); err != nil && !errors.Is(err, store.ErrNoMailbox) {
			return fmt.Errorf("deliver job %s: %w", job.ID, err)
		}
	}
	r.Done = true
	if r.Result.Code == 0 {
		r.Result = delivered
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
func deliveryKey(job *pipeline.Job, i int) string { return job.DeliveryKey(i) }

// targetKey is the idempotency key of a recipient's k-th Sieve target; the
// first keeps deliveryKey's form, which Applied looks for.
func targetKey(job *pipeline.Job, i, k int) string {
	if k == 0 {
		return deliveryKey(job, i)
	}
	return deliveryKey(job, i) + "/" + strconv.Itoa(k)
}

func (w *Writer) deliverOne(job *pipeline.Job, i, k int, t pipeline.Target, body *store.PlacedBody) (store.Delivered, error) {
	r := &job.Recipients[i]
	msg := job.Body
	if r.Header != nil {
		msg = withHeader(r.Header, job.Body)
	}
	d := store.Delivery{
		Body:           body,
		DuplicateOwner: job.ID,
		Key:            targetKey(job, i, k),
		Mailbox:        t.Mailbox,
		Message: store.NewMessage{
			Body:         msg,
			Flags:        t.Flags,
			InternalDate: internalDate(job, time.Now()),
			MessageID:    job.MessageID,
		},
		Service: "lmtpd",
	}
	if k == 0 {
		// One mark per recipient: its first delivery carries it.
		d.DuplicateKey = r.DupKey
	}
	done, err := w.Store.Deliver(d)
	if err == nil && !done.Replayed {
		// One line per delivery, as Cyrus's lmtpd logs "Delivered:
		// <msgid> to mailbox: user.alice", for operators who follow mail
		// through the logs.
		w.log().Info("Delivered", "msgid", job.MessageID, "mailbox", t.Mailbox, "uid", done.UID, "job", job.ID)
	}
	return done, err
}

// withHeader puts an edited header block in front of the message's body.
func withHeader(header, msg []byte) []byte {
	body := msg[message.HeaderSize(msg):]
	out := make([]byte, 0, len(header)+len(body))
	return append(append(out, header...), body...)
}

func (w *Writer) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}
