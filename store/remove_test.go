package store_test

import (
	"errors"
	"slices"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// POP3's QUIT removes the messages DELE marked, none of which carries
// \Deleted, in one commit with one MessageExpunge; a UID already gone is
// skipped, and a user without t and e is refused with nothing removed.
func TestRemoveMessages(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	mb := create(t, s, "user.alice")
	for _, k := range []string{"a", "b", "c"} {
		deliver(t, s, "user.alice", k, message(k, ""))
	}
	pending(t, s) // read, not acknowledged: the events below come after

	if _, err := s.As("bob", false).RemoveMessages(mb, []uint32{1}, "pop3d"); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("bob without rights: err = %v, want ErrNoMailbox", err)
	}
	if _, err := s.SetACL("user.alice", "bob", "lrt"); err != nil {
		t.Fatal(err)
	}
	mb = mailbox(t, s, "user.alice") // the rights are those of the mailbox as looked up
	if _, err := s.As("bob", false).RemoveMessages(mb, []uint32{1}, "pop3d"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("bob without e: err = %v, want ErrPermission", err)
	}
	if got := uidsOf(t, s, mb); len(got) != 3 {
		t.Fatalf("a refused removal removed: %v", got)
	}

	gone, err := s.As("alice", false).RemoveMessages(mb, []uint32{3, 1, 9, 1}, "pop3d")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone, []uint32{1, 3}) {
		t.Errorf("removed %v, want [1 3]", gone)
	}
	if got := uidsOf(t, s, mb); !slices.Equal(got, []uint32{2}) {
		t.Errorf("left %v, want [2]", got)
	}
	var expunges []store.Event
	for _, ev := range eventsOf(t, s, mb.UniqueID) {
		if ev.Type == store.MessageExpunge {
			expunges = append(expunges, ev)
		}
	}
	if len(expunges) != 1 || !slices.Equal(expunges[0].UIDs, []uint32{1, 3}) || expunges[0].Service != "pop3d" || expunges[0].Messages != 1 {
		t.Errorf("expunge events %+v, want one of UIDs [1 3] by pop3d leaving 1 message", expunges)
	}
	if st := status(t, s, mb); st.Exists != 1 || st.Deleted != 0 {
		t.Errorf("counters %+v", st)
	}
}
