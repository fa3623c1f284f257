package store_test

import (
	"errors"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// TestActorEnforcesEveryRight drives each checked operation of the store's
// Actor as bob on alice's folder, once without the one right it takes
// (refused, and nothing changed) and once with it (done). Protocols reach
// the store only through the Actor, so this is the ACL for all of them.
func TestActorEnforcesEveryRight(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		right string // the right the operation takes, besides l
		op    func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error
		done  func(s *store.Store, mb *store.Mailbox) bool
	}{
		{"status", "r", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.Status(mb)
			return err
		}, nil},
		{"store \\Seen", "s", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.StoreFlags(mb, store.FlagChange{UIDs: []uint32{uid}, Op: store.FlagsAdd, Flags: []string{store.FlagSeen}})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool { st, _ := s.Status(mb); return st.Unseen == 0 }},
		{"store keyword", "w", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.StoreFlags(mb, store.FlagChange{UIDs: []uint32{uid}, Op: store.FlagsAdd, Flags: []string{"$Label1"}})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool {
			m, _ := s.GetMessage(mb, 1)
			return m != nil && hasFlag(m.Flags, "$Label1")
		}},
		{"store \\Deleted", "t", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.StoreFlags(mb, store.FlagChange{UIDs: []uint32{uid}, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool { st, _ := s.Status(mb); return st.Deleted == 1 }},
		{"append", "i", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.Append(mb, []store.NewMessage{{Body: message("appended", "<a@x>")}})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool { st, _ := s.Status(mb); return st.Exists == 2 }},
		{"expunge", "e", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			if _, err := s.StoreFlags(mb, store.FlagChange{UIDs: []uint32{uid}, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
				return err
			}
			_, err := a.Expunge(mb, []uint32{uid})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool { st, _ := s.Status(mb); return st.Exists == 0 }},
		{"create below", "k", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.CreateMailbox(mb.Name+".Sub", store.CreateOptions{})
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool {
			_, err := s.GetMailbox(mb.Name + ".Sub")
			return err == nil
		}},
		{"delete", "x", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.DeleteMailbox(mb.Name)
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool { _, err := s.GetMailbox(mb.Name); return err != nil }},
		{"setacl", "a", func(a store.Actor, s *store.Store, mb *store.Mailbox, uid uint32) error {
			_, err := a.SetACL(mb.Name, "carol", "lr")
			return err
		}, func(s *store.Store, mb *store.Mailbox) bool {
			r, _ := s.Rights("carol", false, mb.Name)
			return r.Has(store.RightRead)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := testkit.OpenStore(t, store.Options{NoSync: true})
			testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Team", "user.bob")
			mb := mailbox(t, s, "user.alice.Team")
			uid := deliver(t, s, mb.Name, "k1", message("hello", "<h@x>")).UID
			bob := s.As("bob", false)

			// Without l either, the folder does not exist for bob (a
			// CREATE below it is refused without naming it).
			err := c.op(bob, s, mailbox(t, s, mb.Name), uid)
			if !errors.Is(err, store.ErrNoMailbox) && !(c.right == "k" && errors.Is(err, store.ErrPermission)) {
				t.Fatalf("without any right: %v, want ErrNoMailbox", err)
			}
			// With l but not the right: NOPERM, nothing done.
			if _, err := s.SetACL(mb.Name, "bob", "l"); err != nil {
				t.Fatal(err)
			}
			err = c.op(bob, s, mailbox(t, s, mb.Name), uid)
			var denied *store.DeniedError
			if !errors.As(err, &denied) || !errors.Is(err, store.ErrPermission) {
				t.Fatalf("with l only: %v, want a DeniedError", err)
			}
			if denied.Need.String() != c.right {
				t.Errorf("denied for %q, want %q", denied.Need, c.right)
			}
			if c.done != nil && c.done(s, mailbox(t, s, mb.Name)) {
				t.Fatalf("refused operation changed the store")
			}
			// A negative entry takes the right away again.
			if _, err := s.SetACL(mb.Name, "bob", "l"+c.right); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetACL(mb.Name, "-bob", c.right); err != nil {
				t.Fatal(err)
			}
			if err := c.op(bob, s, mailbox(t, s, mb.Name), uid); !errors.Is(err, store.ErrPermission) {
				t.Fatalf("with -bob %s: %v, want ErrPermission", c.right, err)
			}
			if err := s.DeleteACL(mb.Name, "-bob"); err != nil {
				t.Fatal(err)
			}
			if err := c.op(bob, s, mailbox(t, s, mb.Name), uid); err != nil {
				t.Fatalf("with l%s: %v", c.right, err)
			}
			after := mb
			if fresh, err := s.GetMailbox(mb.Name); err == nil {
				after = fresh
			}
			if c.done != nil && !c.done(s, after) {
				t.Fatalf("granted operation did nothing")
			}
		})
	}
}

// TestActorMoveTakesRightsOnBothSides: MOVE takes r, t and e on the source
// and i on the target; COPY only r and i.
func TestActorMoveTakesRightsOnBothSides(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.From", "user.bob")
	src := mailbox(t, s, "user.alice.From")
	uid := deliver(t, s, src.Name, "k1", message("hello", "<h@x>")).UID
	dst := mailbox(t, s, "user.bob")
	bob := s.As("bob", false)
	if _, err := s.SetACL(src.Name, "bob", "lr"); err != nil {
		t.Fatal(err)
	}
	src = mailbox(t, s, src.Name) // the ACL is read from the mailbox as looked up
	if _, err := bob.Move(src, []uint32{uid}, dst); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("MOVE with lr on the source: %v", err)
	}
	if _, err := bob.Copy(src, []uint32{uid}, dst); err != nil {
		t.Fatalf("COPY with lr: %v", err)
	}
	if _, err := s.SetACL(src.Name, "bob", "lrte"); err != nil {
		t.Fatal(err)
	}
	src = mailbox(t, s, src.Name)
	if _, err := bob.Move(src, []uint32{uid}, dst); err != nil {
		t.Fatalf("MOVE with lrte: %v", err)
	}
	if st := status(t, s, src); st.Exists != 0 {
		t.Errorf("source still holds %d", st.Exists)
	}
	// Into alice's INBOX bob may not insert.
	if _, err := bob.Copy(dst, uidsOf(t, s, dst), mailbox(t, s, "user.alice")); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("COPY into a mailbox bob cannot see: %v", err)
	}
}

// TestActorListsWhatItMaySee: own hierarchy and shared folders granting l,
// once each; an administrator everything.
func TestActorListsWhatItMaySee(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Open", "user.alice.Closed", "user.bob", "user.bob.Mine")
	if _, err := s.SetACL("user.alice.Open", "bob", "lr"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("user.bob.Mine", "alice", "lr"); err != nil {
		t.Fatal(err)
	}
	names := func(a store.Actor) map[string]int {
		mbs, err := a.Mailboxes()
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, mb := range mbs {
			n[mb.Name]++
		}
		return n
	}
	got := names(s.As("bob", false))
	want := map[string]int{"user.bob": 1, "user.bob.Mine": 1, "user.alice.Open": 1}
	if len(got) != len(want) {
		t.Errorf("bob sees %v, want %v", got, want)
	}
	for n, c := range want {
		if got[n] != c {
			t.Errorf("bob sees %s %d times, want %d", n, got[n], c)
		}
	}
	if got := names(s.As("admin", true)); len(got) != 5 {
		t.Errorf("admin sees %v", got)
	}
	if err := s.As("bob", false).SetQuota("user.bob", store.QuotaLimits{StorageKiB: 1, Messages: -1}); !errors.Is(err, store.ErrPermission) {
		t.Errorf("bob SETQUOTA: %v", err)
	}
}
