package store_test

import (
	"fmt"
	"slices"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

func TestChangesSinceFollowsEveryWrite(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := 1; i <= 5; i++ {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	base := status(t, s, inbox).HighestModSeq

	// Nothing since now.
	ch, err := s.ChangesSince(inbox, base)
	if err != nil || len(ch.Changed) != 0 || len(ch.Expunged) != 0 || ch.State.HighestModSeq != base {
		t.Fatalf("no changes expected: %+v %v", ch, err)
	}

	// A flag change, an expunge and a new message.
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{2, 4}, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{3}, Op: store.FlagsAdd, Flags: []string{store.FlagSeen}}); err != nil {
		t.Fatal(err)
	}
	if gone, err := s.Expunge(inbox, []uint32{4}); err != nil || !slices.Equal(gone, []uint32{4}) {
		t.Fatalf("expunge: %v %v", gone, err)
	}
	deliver(t, s, inbox.Name, "j6/0", message("m6", ""))

	ch, err = s.ChangesSince(inbox, base)
	if err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	for _, m := range ch.Changed {
		uids = append(uids, m.UID)
		if m.ModSeq <= base {
			t.Errorf("uid %d modseq %d not above %d", m.UID, m.ModSeq, base)
		}
	}
	// In modseq order: 2 (\Deleted), 3 (\Seen), then 6 (new); 4 is gone.
	if !slices.Equal(uids, []uint32{2, 3, 6}) {
		t.Errorf("changed since %d: %v, want [2 3 6]", base, uids)
	}
	if !slices.Equal(ch.Expunged, []uint32{4}) {
		t.Errorf("expunged since %d: %v, want [4]", base, ch.Expunged)
	}
	if ch.State.Exists != 5 || ch.State.HighestModSeq <= base {
		t.Errorf("state %+v", ch.State)
	}
	// Asked from the middle, the earlier flag change is not repeated.
	mid := ch.Changed[1].ModSeq
	ch, _ = s.ChangesSince(inbox, mid)
	if len(ch.Changed) != 1 || ch.Changed[0].UID != 6 || !slices.Equal(ch.Expunged, []uint32{4}) {
		t.Errorf("changes since %d: %+v", mid, ch)
	}
	checkClean(t, s)
}

func TestReadHeaderReadsOnlyTheHeader(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	body := []byte("Subject: hello\r\nFrom: a@example.org\r\n\r\nThe body, which stays on disk.\r\n")
	d := deliver(t, s, inbox.Name, "j/0", body)
	m, err := s.GetMessage(inbox, d.UID)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.ReadHeader(inbox, m)
	if err != nil {
		t.Fatal(err)
	}
	if string(h) != "Subject: hello\r\nFrom: a@example.org\r\n\r\n" {
		t.Errorf("header = %q", h)
	}
	// A message that is all header.
	d = deliver(t, s, inbox.Name, "j2/0", []byte("Subject: no body\r\n"))
	m, _ = s.GetMessage(inbox, d.UID)
	if h, _ := s.ReadHeader(inbox, m); string(h) != "Subject: no body\r\n" {
		t.Errorf("header of a bodiless message = %q", h)
	}
}

func TestRenameInboxMovesItsMessages(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	create(t, s, "user.alice.Work")
	for i := 1; i <= 3; i++ {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	if err := s.RenameMailbox("user.alice", "user.alice.Old"); err != nil {
		t.Fatal(err)
	}
	after := mailbox(t, s, "user.alice")
	if after.UIDValidity != inbox.UIDValidity || status(t, s, after).Exists != 0 {
		t.Errorf("INBOX after rename: uidvalidity %d (was %d), %d messages", after.UIDValidity, inbox.UIDValidity, status(t, s, after).Exists)
	}
	old := mailbox(t, s, "user.alice.Old")
	if got := uidsOf(t, s, old); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("user.alice.Old holds %v", got)
	}
	if string(readBody(t, s, old, 2)) != string(message("m2", "")) {
		t.Error("moved message reads back wrong")
	}
	mailbox(t, s, "user.alice.Work") // inferiors stay where they were
	if err := s.RenameMailbox("user.alice", "user.alice.Old"); err == nil {
		t.Error("renaming INBOX onto an existing mailbox succeeded")
	}
	// New mail still reaches INBOX.
	deliver(t, s, "user.alice", "j9/0", message("new", ""))
	checkClean(t, s)
}

func TestAppendAllIsOneTransaction(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	before := len(pending(t, s))
	out, err := s.AppendAll(inbox.Name, []store.NewMessage{
		{Body: message("a", "<a@x>"), Flags: []string{`\seen`}},
		{Body: message("b", "<b@x>")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].UID != 1 || out[1].UID != 2 || out[0].ModSeq != out[1].ModSeq {
		t.Fatalf("AppendAll results %+v", out)
	}
	st := status(t, s, inbox)
	if st.Exists != 2 || st.Unseen != 1 || st.UIDNext != 3 {
		t.Errorf("state after AppendAll %+v", st)
	}
	evs := pending(t, s)[before:]
	if len(evs) != 1 || evs[0].Type != store.MessageAppend || !slices.Equal(evs[0].UIDs, []uint32{1, 2}) {
		t.Errorf("events %+v, want one MessageAppend for 1:2", evs)
	}
	if _, err := s.AppendAll("user.nobody", []store.NewMessage{{Body: message("c", "")}}); err == nil {
		t.Error("AppendAll to a missing mailbox succeeded")
	}
	checkClean(t, s)
}

func TestAckedEventsAreNotPendingBeforeOrAfterTheirDeletionCommits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	deliver(t, s, inbox.Name, "j1/0", message("one", ""))
	deliver(t, s, inbox.Name, "j2/0", message("two", ""))
	evs := pending(t, s)
	if err := s.AckEvents(evs); err != nil {
		t.Fatal(err)
	}
	if again := pending(t, s); len(again) != 0 {
		t.Fatalf("%d acknowledged events are pending again before the deletion committed", len(again))
	}
	// A later change is pending alone; its commit also carries the
	// deferred deletions.
	deliver(t, s, inbox.Name, "j3/0", message("three", ""))
	if got := types(pending(t, s)); !slices.Equal(got, []store.EventType{store.MessageNew}) {
		t.Fatalf("pending after a new delivery: %v", got)
	}
	if err := s.FlushEventAcks(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	if got := types(pending(t, s)); !slices.Equal(got, []store.EventType{store.MessageNew}) {
		t.Fatalf("pending after reopening: %v, want only the unacknowledged MessageNew", got)
	}
}
