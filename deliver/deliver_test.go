package deliver_test

import (
	"context"
	"testing"
	"time"

	"chapar/deliver"
	"chapar/filter"
	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/store"
)

// setup opens a real store holding the given mailboxes and returns the
// writer on it.
func setup(t *testing.T, mailboxes ...string) (*deliver.Writer, *store.Store) {
	t.Helper()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, mailboxes...)
	return &deliver.Writer{Store: s}, s
}

func job(rcpts ...pipeline.Recipient) *pipeline.Job {
	return &pipeline.Job{
		ID: pipeline.NewJobID(), Received: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), MailFrom: "sender@example.org",
		Partition: "default", MessageID: "<m@example.org>", Recipients: rcpts,
		Body: []byte("Message-ID: <m@example.org>\r\nSubject: hi\r\n\r\nhello\r\n"),
	}
}

func to(user, mailbox string) pipeline.Recipient {
	return pipeline.Recipient{Address: user + "@example.com", User: user, Mailbox: mailbox}
}

func exists(t *testing.T, s *store.Store, name string) uint32 {
	t.Helper()
	mb, err := s.GetMailbox(name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(mb)
	if err != nil {
		t.Fatal(err)
	}
	return st.Exists
}

func TestWriterDeliversEachPendingRecipientOnce(t *testing.T) {
	t.Parallel()
	w, s := setup(t, "user.alice", "user.alice.Work", "user.bob")
	settled := to("bob", "user.bob")
	settled.Done = true
	settled.Result = pipeline.Result{Code: 250, Enhanced: "2.0.0", Text: "duplicate"}
	j := job(to("alice", "user.alice"), to("alice", "user.alice.Work"), settled)
	if err := w.Process(context.Background(), j); err != nil {
		t.Fatalf("Process: %v", err)
	}
	for i, r := range j.Recipients[:2] {
		if !r.Done || r.Result.Code != 250 || r.Result.Enhanced != "2.1.5" {
			t.Errorf("recipient %d: %+v, want settled with 250 2.1.5", i, r)
		}
	}
	if j.Recipients[2].Result.Text != "duplicate" {
		t.Errorf("a settled recipient was touched: %+v", j.Recipients[2])
	}
	if exists(t, s, "user.alice") != 1 || exists(t, s, "user.alice.Work") != 1 || exists(t, s, "user.bob") != 0 {
		t.Errorf("INBOX %d, Work %d, bob %d; want 1, 1, 0",
			exists(t, s, "user.alice"), exists(t, s, "user.alice.Work"), exists(t, s, "user.bob"))
	}
	inbox, _ := s.GetMailbox("user.alice")
	m, err := s.GetMessage(inbox, 1)
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.ReadBody(inbox, m)
	if err != nil || string(body) != string(j.Body) || !m.InternalDate.Equal(j.Received) || m.MessageID != j.MessageID {
		t.Errorf("stored message: body %q (%v), date %v, Message-ID %q", body, err, m.InternalDate, m.MessageID)
	}

	// The same job again, as after a crash before the acknowledgement.
	replay := job(to("alice", "user.alice"), to("alice", "user.alice.Work"))
	replay.ID = j.ID
	if err := w.Process(context.Background(), replay); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if exists(t, s, "user.alice") != 1 || exists(t, s, "user.alice.Work") != 1 {
		t.Errorf("a replay made a second copy: INBOX %d, Work %d", exists(t, s, "user.alice"), exists(t, s, "user.alice.Work"))
	}
	if replay.Recipients[0].Result.Code != 250 {
		t.Errorf("a replay answers %+v, want 250 like the first time", replay.Recipients[0].Result)
	}
}

func TestWriterFallsBackToInboxAndRefusesTheUnknown(t *testing.T) {
	t.Parallel()
	w, s := setup(t, "user.alice", "user.alice.Gone")
	if err := s.DeleteMailbox("user.alice.Gone"); err != nil {
		t.Fatal(err)
	}
	nobody := to("nobody", "user.nobody")
	j := job(to("alice", "user.alice.Gone"), nobody)
	if err := w.Process(context.Background(), j); err != nil {
		t.Fatalf("Process: %v", err)
	}
	if r := j.Recipients[0]; r.Result.Code != 250 || r.Mailbox != "user.alice" {
		t.Errorf("the folder went away: %+v, want 250 into user.alice", r)
	}
	if exists(t, s, "user.alice") != 1 {
		t.Errorf("INBOX holds %d messages, want the fallback delivery", exists(t, s, "user.alice"))
	}
	if r := j.Recipients[1]; !r.Done || r.Result.Code != 550 || r.Result.Enhanced != "5.1.1" {
		t.Errorf("a recipient whose INBOX is gone: %+v, want 550 5.1.1", r)
	}
}

// The mark deliver leaves is what the duplicate stage finds next time.
func TestWriterMarksDuplicatesForTheNextJob(t *testing.T) {
	t.Parallel()
	w, s := setup(t, "user.alice")
	dup := &filter.Duplicate{Store: s, Expire: time.Hour}
	ctx := context.Background()

	first := job(to("alice", "user.alice"))
	if err := dup.Process(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := w.Process(ctx, first); err != nil {
		t.Fatal(err)
	}
	owner, _, found, err := s.DuplicateMark("user.alice", first.Recipients[0].DupKey)
	if err != nil || !found || owner != first.ID {
		t.Fatalf("duplicate mark = %q, %v, %v; want job %s", owner, found, err, first.ID)
	}

	second := job(to("alice", "user.alice"))
	if err := dup.Process(ctx, second); err != nil {
		t.Fatal(err)
	}
	if err := w.Process(ctx, second); err != nil {
		t.Fatal(err)
	}
	if !second.Recipients[0].Done || exists(t, s, "user.alice") != 1 {
		t.Errorf("the same Message-ID again: %+v, INBOX holds %d; want suppressed, 1", second.Recipients[0], exists(t, s, "user.alice"))
	}
}

// Applied recognises a job the writer delivered, whichever mailbox (and
// so index shard) it went to, and no other: the runner's test of a replay
// whose out-of-band body is already deleted.
func TestWriterRecognisesAJobItApplied(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, Shards: 4})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Work", "user.bob")
	w := &deliver.Writer{Store: s}
	j := job(to("bob", "user.bob"), to("alice", "user.alice.Work"))
	other := job(to("alice", "user.alice"))
	ctx := context.Background()
	if applied, err := w.Applied(ctx, j); applied || err != nil {
		t.Fatalf("Applied before delivery = %v, %v; want false", applied, err)
	}
	if err := w.Process(ctx, j); err != nil {
		t.Fatalf("Process: %v", err)
	}
	if applied, err := w.Applied(ctx, j); !applied || err != nil {
		t.Errorf("Applied after delivery = %v, %v; want true", applied, err)
	}
	if applied, err := w.Applied(ctx, other); applied || err != nil {
		t.Errorf("Applied of a job never delivered = %v, %v; want false", applied, err)
	}
}
