package store_test

import (
	"errors"
	"sync"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// Looked-up mailboxes are cached; create, rename and delete are seen at
// once, and a caller changing its copy changes nothing for the next.
func TestMailboxLookupsFollowChanges(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	mb, err := s.GetMailbox("user.alice.Work")
	if err != nil || mb.UniqueID != work.UniqueID {
		t.Fatalf("lookup: %+v, %v", mb, err)
	}
	mb.Name, mb.ACL = "scribbled", map[string]string{"mallory": "lrswipkxtecda"}
	if again, _ := s.GetMailbox("user.alice.Work"); again.Name != "user.alice.Work" || again.ACL["mallory"] != "" {
		t.Fatalf("a caller's change reached the next lookup: %+v", again)
	}
	if err := s.RenameMailbox("user.alice.Work", "user.alice.Jobs"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMailbox("user.alice.Work"); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("old name after rename: %v, want ErrNoMailbox", err)
	}
	if mb, err := s.GetMailbox("user.alice.Jobs"); err != nil || mb.UniqueID != work.UniqueID || mb.Name != "user.alice.Jobs" {
		t.Fatalf("new name after rename: %+v, %v", mb, err)
	}
	if err := s.DeleteMailbox("user.alice.Jobs"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMailbox("user.alice.Jobs"); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("after delete: %v, want ErrNoMailbox", err)
	}
	again := create(t, s, "user.alice.Jobs")
	if mb, err := s.GetMailbox("user.alice.Jobs"); err != nil || mb.UniqueID != again.UniqueID {
		t.Fatalf("re-created: %+v, %v; want the new uniqueid %s", mb, err, again.UniqueID)
	}
}

// Lookups racing with renames never leave a stale record behind.
func TestMailboxLookupsRacingRenames(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.bob")
	create(t, s, "user.bob.A")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.GetMailbox("user.bob.A")
				s.GetMailbox("user.bob.B")
			}
		}()
	}
	names := []string{"user.bob.A", "user.bob.B"}
	for i := 0; i < 200; i++ {
		if err := s.RenameMailbox(names[i%2], names[(i+1)%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	// 200 renames: back at A.
	if _, err := s.GetMailbox("user.bob.A"); err != nil {
		t.Errorf("A after an even number of renames: %v", err)
	}
	if _, err := s.GetMailbox("user.bob.B"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("B after an even number of renames: %v, want ErrNoMailbox", err)
	}
}
