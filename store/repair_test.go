package store_test

import (
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// repaired runs Repair and returns its report, failing on an error.
func repaired(tb testing.TB, s *store.Store) []string {
	tb.Helper()
	done, err := s.Repair()
	if err != nil {
		tb.Fatalf("Repair: %v", err)
	}
	return done
}

// wantReport: some line of the repair report contains each of parts.
func wantReport(tb testing.TB, done []string, parts ...string) {
	tb.Helper()
	for _, line := range done {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return
		}
	}
	tb.Fatalf("no repair reported %q; the report:\n%s", parts, strings.Join(done, "\n"))
}

// Each state a crash in CREATE or DELETE, or a counter gone wrong, leaves
// is found by Check, fixed by Repair, and Check is then clean; the
// messages of listed mailboxes are all still there.
func TestRepairFixesWhatCheckFinds(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, store.UserInbox("alice"))
	work := create(t, s, store.UserInbox("alice")+".work")
	for i, key := range []string{"r1", "r2", "r3"} {
		var flags []string
		if i == 0 {
			flags = []string{store.FlagSeen, store.FlagDeleted}
		}
		deliver(t, s, inbox.Name, key, message("repair "+key, ""), flags...)
	}
	deliver(t, s, work.Name, "w1", message("work", ""))
	checkClean(t, s)
	if done := repaired(t, s); len(done) != 0 {
		t.Fatalf("Repair of a healthy store did something:\n%s", strings.Join(done, "\n"))
	}

	// A DELETE cut after the list entry went: an orphan holding messages.
	orphanFull, err := s.AddOrphanIndex(inbox)
	if err != nil {
		t.Fatal(err)
	}
	// A CREATE cut before the list entry came: an empty orphan.
	orphanEmpty, err := s.AddOrphanIndex(&store.Mailbox{UniqueID: "none"})
	if err != nil {
		t.Fatal(err)
	}
	// Counters that lie, below and above the truth.
	want := status(t, s, inbox)
	if err := s.SetState(inbox, func(st *store.MailboxState) {
		st.Exists, st.Size, st.Unseen, st.Deleted = 7, 1, 0, 3
		st.UIDNext, st.HighestModSeq = 2, 1
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.DropModSeqIndex(work); err != nil {
		t.Fatal(err)
	}
	// A lost index of a listed mailbox.
	lost := create(t, s, store.UserInbox("alice")+".lost")
	if err := s.DropIndex(lost); err != nil {
		t.Fatal(err)
	}

	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"orphan index " + orphanFull, "orphan index " + orphanEmpty,
		"mailbox user.alice: counters", "mailbox user.alice.work: modseq index", "mailbox user.alice.lost: no index"} {
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("Check did not report %q; it said:\n%s", want, strings.Join(problems, "\n"))
		}
	}

	done := repaired(t, s)
	wantReport(t, done, "removed orphan index "+orphanFull, "3 message records")
	wantReport(t, done, "removed orphan index "+orphanEmpty, "0 message records")
	wantReport(t, done, "mailbox user.alice: counters")
	wantReport(t, done, "mailbox user.alice.work: modseq index rebuilt")
	wantReport(t, done, "mailbox user.alice.lost: had no index")
	checkClean(t, s)

	got := status(t, s, inbox)
	if got != want {
		t.Errorf("counters after repair %+v, want %+v", got, want)
	}
	if uids := uidsOf(t, s, inbox); len(uids) != 3 {
		t.Errorf("INBOX holds UIDs %v after repair, want 3 messages", uids)
	}
	if uids := uidsOf(t, s, work); len(uids) != 1 {
		t.Errorf("work holds UIDs %v after repair, want 1 message", uids)
	}
	// The work mailbox's change log answers again: its one message changed
	// after modseq 0.
	ch, err := s.ChangesSince(work, 0)
	if err != nil || len(ch.Changed) != 1 {
		t.Errorf("ChangesSince(work, 0) after repair = %v, %v; want one message", ch, err)
	}
	newLost := mailbox(t, s, lost.Name)
	if newLost.UIDValidity == lost.UIDValidity {
		t.Errorf("the re-created index kept uidvalidity %d; its old UIDs are unknown, so it must change", lost.UIDValidity)
	}
	if st := status(t, s, newLost); st.UIDValidity != newLost.UIDValidity || st.Exists != 0 {
		t.Errorf("re-created index state %+v, list uidvalidity %d", st, newLost.UIDValidity)
	}
	deliver(t, s, newLost.Name, "l1", message("after repair", ""))
	if done := repaired(t, s); len(done) != 0 {
		t.Fatalf("a second Repair did something:\n%s", strings.Join(done, "\n"))
	}
	checkClean(t, s)
}
