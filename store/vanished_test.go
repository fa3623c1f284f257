package store_test

import (
	"fmt"
	"slices"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// ExpungedSince answers from the modseq asked, ascending, whichever order
// the expunges came in, and an expunge that moved a message out counts.
func TestExpungedSince(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	other := create(t, s, "user.alice.Other")
	for i := 1; i <= 6; i++ {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	base := status(t, s, inbox).HighestModSeq
	if uids, err := s.ExpungedSince(inbox, 0); err != nil || len(uids) != 0 {
		t.Fatalf("before any expunge: %v %v", uids, err)
	}
	expunge := func(uids ...uint32) uint64 {
		t.Helper()
		if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: uids, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Expunge(inbox, uids); err != nil {
			t.Fatal(err)
		}
		return status(t, s, inbox).HighestModSeq
	}
	first := expunge(5, 2)
	if _, err := s.Move(inbox, []uint32{1}, other); err != nil {
		t.Fatal(err)
	}
	moved := status(t, s, inbox).HighestModSeq
	expunge(4)

	for _, c := range []struct {
		since uint64
		want  []uint32
	}{
		{0, []uint32{1, 2, 4, 5}},
		{base, []uint32{1, 2, 4, 5}},
		{first, []uint32{1, 4}},
		{moved, []uint32{4}},
		{status(t, s, inbox).HighestModSeq, nil},
	} {
		got, err := s.ExpungedSince(inbox, c.since)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ExpungedSince(%d) = %v, %v; want %v", c.since, got, err, c.want)
		}
	}
	if got, err := s.ExpungedSince(other, 0); err != nil || len(got) != 0 {
		t.Errorf("the target of the move lost nothing: %v %v", got, err)
	}
}
