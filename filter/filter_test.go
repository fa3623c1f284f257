package filter_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"chapar/filter"
	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/store"
)

// openStore opens a real store in a temporary directory holding the given
// mailboxes (each user's INBOX first).
func openStore(t *testing.T, mailboxes ...string) *store.Store {
	t.Helper()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, mailboxes...)
	for _, name := range mailboxes {
		if store.Owner(name) != "" && name != store.UserInbox(store.Owner(name)) {
			testkit.OpenToPlusAddressing(t, s, name)
		}
	}
	return s
}

// rcpt is a recipient as ingest resolves "user+detail@example.com".
func rcpt(user, detail string) pipeline.Recipient {
	addr := user
	if detail != "" {
		addr += "+" + detail
	}
	return pipeline.Recipient{Address: addr + "@example.com", User: user, Detail: detail, Mailbox: store.UserInbox(user)}
}

func TestPlusAddressFilesIntoTheNamedFolder(t *testing.T) {
	t.Parallel()
	s := openStore(t, "user.alice", "user.alice.Work", "user.alice.Work.Sub", "user.alice.Q1^2024", "user.bob")
	for _, c := range []struct {
		name   string
		stage  filter.PlusAddress
		rcpt   pipeline.Recipient
		target string
	}{
		{"no detail", filter.PlusAddress{}, rcpt("alice", ""), "user.alice"},
		{"existing folder", filter.PlusAddress{}, rcpt("alice", "Work"), "user.alice.Work"},
		{"missing folder goes to INBOX", filter.PlusAddress{}, rcpt("alice", "Play"), "user.alice"},
		{"case differs, no fuzzy match", filter.PlusAddress{}, rcpt("alice", "work"), "user.alice"},
		{"case differs, fuzzy match", filter.PlusAddress{FuzzyMatch: true}, rcpt("alice", "WORK"), "user.alice.Work"},
		{"fuzzy match finds nothing", filter.PlusAddress{FuzzyMatch: true}, rcpt("alice", "play"), "user.alice"},
		{"subfolder, unixhierarchysep", filter.PlusAddress{UnixHierarchySep: true}, rcpt("alice", "Work/Sub"), "user.alice.Work.Sub"},
		{"subfolder, dot separator", filter.PlusAddress{}, rcpt("alice", "Work.Sub"), "user.alice.Work.Sub"},
		{"a dot inside a name, unixhierarchysep", filter.PlusAddress{UnixHierarchySep: true}, rcpt("alice", "Q1.2024"), "user.alice.Q1^2024"},
		{"a detail no mailbox can have", filter.PlusAddress{}, rcpt("alice", "a*b"), "user.alice"},
		{"an empty component", filter.PlusAddress{}, rcpt("alice", "Work..Sub"), "user.alice"},
		{"someone else's folder name", filter.PlusAddress{}, rcpt("bob", "Work"), "user.bob"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.stage.Store = s
			job := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: []pipeline.Recipient{c.rcpt}}
			if err := c.stage.Process(context.Background(), job); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if got := job.Recipients[0].Mailbox; got != c.target {
				t.Errorf("%s is filed into %q, want %q", c.rcpt.Address, got, c.target)
			}
			if job.Recipients[0].Done {
				t.Errorf("plus-addressing settled the recipient; it only chooses the folder")
			}
		})
	}
}

func TestPlusAddressLeavesSettledAndSharedRecipientsAlone(t *testing.T) {
	t.Parallel()
	s := openStore(t, "user.alice", "user.alice.Work", "shared")
	settled := rcpt("alice", "Work")
	settled.Done = true
	shared := pipeline.Recipient{Address: "bb+shared@example.com", Mailbox: "shared", Detail: "Work"}
	job := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: []pipeline.Recipient{settled, shared}}
	if err := (&filter.PlusAddress{Store: s}).Process(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if job.Recipients[0].Mailbox != "user.alice" || job.Recipients[1].Mailbox != "shared" {
		t.Errorf("mailboxes %q and %q, want both untouched", job.Recipients[0].Mailbox, job.Recipients[1].Mailbox)
	}
}

func TestDuplicateSuppression(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, "user.alice", "user.alice.Work", "user.bob")
	dup := &filter.Duplicate{Store: s, Expire: time.Hour}
	newJob := func(messageID string, rcpts ...pipeline.Recipient) *pipeline.Job {
		return &pipeline.Job{ID: pipeline.NewJobID(), MessageID: messageID, Recipients: rcpts}
	}
	process := func(job *pipeline.Job) {
		t.Helper()
		if err := dup.Process(ctx, job); err != nil {
			t.Fatalf("Process: %v", err)
		}
	}
	// markDelivered does what deliver does: the delivery and its mark in
	// one transaction.
	markDelivered := func(job *pipeline.Job) {
		t.Helper()
		markDelivered(t, s, job)
	}

	first := newJob("<m1@example.org>", rcpt("alice", ""))
	process(first)
	r := first.Recipients[0]
	if r.Done || r.DupKey != filter.DupKey("<m1@example.org>", "user.alice") {
		t.Fatalf("first sight: %+v, want pending with the key to mark", r)
	}
	markDelivered(first)

	// The same job again (a redelivery after a crash) is not a duplicate.
	replay := &pipeline.Job{ID: first.ID, MessageID: first.MessageID, Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	process(replay)
	if replay.Recipients[0].Done || replay.Recipients[0].DupKey == "" {
		t.Errorf("a replay of job %s was taken for a duplicate: %+v", first.ID, replay.Recipients[0])
	}

	// Another job with the same Message-ID to the same mailbox is one.
	second := newJob("<m1@example.org>", rcpt("alice", ""), rcpt("bob", ""))
	process(second)
	if r := second.Recipients[0]; !r.Done || r.Result.Code != 250 {
		t.Errorf("the same message to alice again: %+v, want settled with 250", r)
	}
	if r := second.Recipients[1]; r.Done || r.DupKey == "" {
		t.Errorf("bob has not had it: %+v, want pending", r)
	}

	// Another Message-ID, or another folder, is new.
	other := newJob("<m2@example.org>", rcpt("alice", ""))
	process(other)
	if other.Recipients[0].Done {
		t.Errorf("a different Message-ID was suppressed")
	}
	folder := newJob("<m1@example.org>", pipeline.Recipient{Address: "alice+Work@example.com", User: "alice", Mailbox: "user.alice.Work"})
	process(folder)
	if folder.Recipients[0].Done {
		t.Errorf("the same message to another folder was suppressed")
	}

	// A message without Message-ID is never a duplicate.
	for i := 0; i < 2; i++ {
		none := newJob("", rcpt("alice", ""))
		process(none)
		markDelivered(none)
		if none.Recipients[0].Done || none.Recipients[0].DupKey != "" {
			t.Errorf("a message without Message-ID, time %d: %+v", i+1, none.Recipients[0])
		}
	}
}

// With duplicatesuppression off, serve runs the stage with no bucket; it
// must pass every recipient on, not bring the process down.
func TestDuplicateWithSuppressionOff(t *testing.T) {
	t.Parallel()
	job := &pipeline.Job{ID: pipeline.NewJobID(), MessageID: "<m@example.org>", Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("Process panicked with no bucket: %v", p)
			}
		}()
		if err := (&filter.Duplicate{}).Process(context.Background(), job); err != nil {
			t.Fatalf("Process: %v", err)
		}
	}()
	if r := job.Recipients[0]; r.Done || r.DupKey != "" {
		t.Errorf("with suppression off: %+v, want the recipient pending and unmarked", r)
	}
}

// Two recipients of one transaction that resolve to the same mailbox
// (alice, and alice+NoSuchFolder, or an alias listed twice) get the
// message once, as Cyrus's duplicate suppression gives it.
func TestDuplicateWithinOneJob(t *testing.T) {
	t.Parallel()
	dup := &filter.Duplicate{Store: openStore(t, "user.alice", "user.bob"), Expire: time.Hour}
	job := &pipeline.Job{ID: pipeline.NewJobID(), MessageID: "<m@example.org>",
		Recipients: []pipeline.Recipient{rcpt("alice", ""), rcpt("alice", "NoSuchFolder"), rcpt("bob", "")}}
	if err := dup.Process(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	var pending []string
	for _, i := range job.Pending() {
		pending = append(pending, job.Recipients[i].Address)
	}
	if len(pending) != 2 || pending[0] != "alice@example.com" || pending[1] != "bob@example.com" {
		t.Errorf("recipients left to deliver: %q, want alice@example.com once and bob@example.com", pending)
	}
	if r := job.Recipients[1]; r.Done && r.Result.Code != 250 {
		t.Errorf("the second copy for alice is answered %+v, want 250", r.Result)
	}
}

// markDelivered delivers a job's recipients that the duplicate stage gave a
// key, with their marks, as deliver does.
func markDelivered(t *testing.T, s *store.Store, job *pipeline.Job) {
	t.Helper()
	for i, r := range job.Recipients {
		if r.DupKey == "" {
			continue
		}
		_, err := s.Deliver(store.Delivery{Key: job.ID + "/" + strconv.Itoa(i), Mailbox: r.Mailbox,
			Message:      store.NewMessage{Body: []byte("Message-ID: " + job.MessageID + "\r\n\r\nx\r\n"), MessageID: job.MessageID},
			DuplicateKey: r.DupKey, DuplicateOwner: job.ID})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A mark older than duplicate_expire no longer suppresses anything.
func TestDuplicateMarkExpires(t *testing.T) {
	t.Parallel()
	s := openStore(t, "user.alice")
	first := &pipeline.Job{ID: pipeline.NewJobID(), MessageID: "<old@example.org>", Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	fresh := &filter.Duplicate{Store: s, Expire: time.Hour}
	if err := fresh.Process(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	markDelivered(t, s, first)

	again := func(d *filter.Duplicate) pipeline.Recipient {
		t.Helper()
		job := &pipeline.Job{ID: pipeline.NewJobID(), MessageID: "<old@example.org>", Recipients: []pipeline.Recipient{rcpt("alice", "")}}
		if err := d.Process(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		return job.Recipients[0]
	}
	if r := again(fresh); !r.Done {
		t.Errorf("within the window: %+v, want suppressed", r)
	}
	if r := again(&filter.Duplicate{Store: s, Expire: time.Nanosecond}); r.Done || r.DupKey == "" {
		t.Errorf("past the window: %+v, want pending with a key to mark again", r)
	}
	if n, err := s.PruneDuplicates(-time.Second); err != nil || n != 1 {
		t.Errorf("PruneDuplicates = %d, %v; want the one mark", n, err)
	}
	if r := again(fresh); r.Done {
		t.Errorf("after pruning: %+v, want pending", r)
	}
}
