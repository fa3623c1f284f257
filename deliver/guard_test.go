package deliver_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"chapar/pipeline"
)

// A job forged on the bus (issue 9: a raw NATS client published one to
// chapar.stage.deliver.default) may name any mailbox; deliver files mail
// only where ingest and the filter stages could have put it.
func TestWriterRefusesAnotherUsersMailbox(t *testing.T) {
	t.Parallel()
	w, s := setup(t, "user.alice", "user.bob", "user.bob.Private", "shared.news", "example.com!user.carol", "example.com!user.carol.Work")
	var logged bytes.Buffer
	w.Log = slog.New(slog.NewTextHandler(&logged, nil))

	postuser := pipeline.Recipient{Address: "bb+shared.news@example.com", Mailbox: "shared.news"}
	postuserToBob := pipeline.Recipient{Address: "bb+x@example.com", Mailbox: "user.bob"}
	j := job(
		to("alice", "user.bob"),         // 0: alice's job, bob's INBOX
		to("alice", "user.bob.Private"), // 1: alice's job, bob's folder
		to("alice", "user.alice"),       // 2: her own INBOX
		postuser,                        // 3: postuser to a shared folder
		postuserToBob,                   // 4: no user, a user's INBOX
		to("carol@Example.COM", "example.com!user.carol.Work"), // 5: virtual domain, her folder
		to("alice", "example.com!user.carol"),                  // 6: across domains
	)
	if err := w.Process(context.Background(), j); err != nil {
		t.Fatalf("Process: %v", err)
	}
	for _, i := range []int{0, 1, 4, 6} {
		if r := j.Recipients[i]; !r.Done || r.Result.Code != 550 || r.Result.Enhanced != "5.7.1" {
			t.Errorf("recipient %d (%s → %s): %+v, want refused with 550 5.7.1", i, r.User, r.Mailbox, r.Result)
		}
	}
	for _, i := range []int{2, 3, 5} {
		if r := j.Recipients[i]; r.Result.Code != 250 {
			t.Errorf("recipient %d (%s → %s): %+v, want delivered", i, r.User, r.Mailbox, r.Result)
		}
	}
	for name, want := range map[string]uint32{
		"user.bob": 0, "user.bob.Private": 0, "example.com!user.carol": 0,
		"user.alice": 1, "shared.news": 1, "example.com!user.carol.Work": 1,
	} {
		if got := exists(t, s, name); got != want {
			t.Errorf("%s holds %d messages, want %d", name, got, want)
		}
	}
	if !strings.Contains(logged.String(), "job refused") || !strings.Contains(logged.String(), "mailbox=user.bob.Private") {
		t.Errorf("the refusal was not logged with the mailbox:\n%s", logged.String())
	}
}

// The internal date is the job's receipt time, which may lie well in the
// past (a job waits in JetStream while deliver is away) but not in the
// future.
func TestWriterClampsAnInternalDateFromTheFuture(t *testing.T) {
	t.Parallel()
	w, s := setup(t, "user.alice")
	ctx := context.Background()
	past := job(to("alice", "user.alice"))
	future := job(to("alice", "user.alice"))
	future.Received = time.Now().Add(365 * 24 * time.Hour)
	for _, j := range []*pipeline.Job{past, future} {
		if err := w.Process(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	inbox, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	m1, err := s.GetMessage(inbox, 1)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := s.GetMessage(inbox, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !m1.InternalDate.Equal(past.Received) {
		t.Errorf("a past receipt time became %v, want %v as given", m1.InternalDate, past.Received)
	}
	if m2.InternalDate.After(time.Now()) {
		t.Errorf("a receipt time a year ahead was kept: %v", m2.InternalDate)
	}
}
