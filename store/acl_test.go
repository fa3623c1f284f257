package store_test

import (
	"errors"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

func TestParseRightsLegacyAndOrder(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"lrswipkxtecdan", "lrswipkxtecdan"},
		{"c", "kxc"},            // RFC 4314 §2.1.1: c is k and x
		{"d", "ted"},            // d is t and e
		{"k", "k"},              // half of c is not c
		{"nalr", "lran"},        // canonical order
		{"", ""},                // no rights
		{"xk", "kxc"},           // both halves read as c too
		{"lrsipte", "lrsipted"}, // t and e make d
		{"rrrl", "lr"},          // repeats
		{"lrswipkxtea", "lrswipkxtecda"},
	}
	for _, c := range cases {
		r, err := store.ParseRights(c.in)
		if err != nil {
			t.Fatalf("ParseRights(%q): %v", c.in, err)
		}
		if r.String() != c.want {
			t.Errorf("ParseRights(%q) = %q, want %q", c.in, r, c.want)
		}
	}
	for _, bad := range []string{"z", "lr ", "L", "1", "+l"} {
		if _, err := store.ParseRights(bad); !errors.Is(err, store.ErrBadRights) {
			t.Errorf("ParseRights(%q) = %v, want ErrBadRights", bad, err)
		}
	}
}

func rightsOf(t *testing.T, s *store.Store, user string, admin bool, mailbox string) string {
	t.Helper()
	r, err := s.Rights(user, admin, mailbox)
	if err != nil {
		t.Fatalf("Rights(%s, %s): %v", user, mailbox, err)
	}
	return r.String()
}

func TestRightsOwnerOthersAnyoneGroupsNegative(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Shared", "user.bob")
	if got := rightsOf(t, s, "alice", false, "user.alice"); got != "lrswipkxtecdan" {
		t.Errorf("owner on INBOX: %q", got)
	}
	if got := rightsOf(t, s, "bob", false, "user.alice.Shared"); got != "" {
		t.Errorf("bob before any grant: %q", got)
	}
	if got := rightsOf(t, s, "bob", true, "user.alice.Shared"); got != "lrswipkxtecdan" {
		t.Errorf("admin: %q", got)
	}
	mustSet := func(id, rights, want string) {
		t.Helper()
		got, err := s.SetACL("user.alice.Shared", id, rights)
		if err != nil || got != want {
			t.Fatalf("SetACL(%s, %s) = %q, %v; want %q", id, rights, got, err, want)
		}
	}
	mustSet("anyone", "lr", "lr")
	if got := rightsOf(t, s, "bob", false, "user.alice.Shared"); got != "lr" {
		t.Errorf("bob through anyone: %q", got)
	}
	if got := rightsOf(t, s, "anonymous", false, "user.alice.Shared"); got != "lr" {
		t.Errorf("anonymous through anyone: %q", got)
	}
	if err := s.AddToGroup("staff", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	mustSet("group:staff", "swi", "swi")
	if got := rightsOf(t, s, "bob", false, "user.alice.Shared"); got != "lrswi" {
		t.Errorf("bob through anyone and group:staff: %q", got)
	}
	if got := rightsOf(t, s, "dave", false, "user.alice.Shared"); got != "lr" {
		t.Errorf("dave, not in staff: %q", got)
	}
	mustSet("-bob", "w", "w")
	if got := rightsOf(t, s, "bob", false, "user.alice.Shared"); got != "lrsi" {
		t.Errorf("bob with -bob w: %q", got)
	}
	mustSet("group:staff", "+p", "swip")
	mustSet("group:staff", "-s", "wip")
	if got := rightsOf(t, s, "carol", false, "user.alice.Shared"); got != "lrwip" {
		t.Errorf("carol after +p -s: %q", got)
	}
	if err := s.RemoveFromGroup("staff", "carol"); err != nil {
		t.Fatal(err)
	}
	if got := rightsOf(t, s, "carol", false, "user.alice.Shared"); got != "lr" {
		t.Errorf("carol out of staff: %q", got)
	}
	// An owner who takes every right from themselves keeps lkxa.
	mustSet("alice", "", "")
	if got := rightsOf(t, s, "alice", false, "user.alice.Shared"); got != "lrkxca" {
		t.Errorf("owner after deleting own entry: %q", got)
	}
	if err := s.DeleteACL("user.alice.Shared", "-bob"); err != nil {
		t.Fatal(err)
	}
	if got := rightsOf(t, s, "bob", false, "user.alice.Shared"); got != "lrwip" {
		t.Errorf("bob after DELETEACL -bob: %q", got)
	}
}

func TestSetACLRefusesBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice")
	for _, c := range []struct{ id, rights string }{
		{"", "lr"}, {"@", "lr"}, {"@example.com", "lr"}, {"bob smith", "lr"}, {"group:", "lr"}, {"-", "lr"}, {"--bob", "lr"}, {"bob", "lrz"}, {"bob", "+Q"},
	} {
		if _, err := s.SetACL("user.alice", c.id, c.rights); err == nil {
			t.Errorf("SetACL(%q, %q) accepted", c.id, c.rights)
		} else if !errors.Is(err, store.ErrBadIdentifier) && !errors.Is(err, store.ErrBadRights) {
			t.Errorf("SetACL(%q, %q) = %v, want a typed error", c.id, c.rights, err)
		}
	}
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(mb.ACL) != 1 || mb.ACL["alice"] != "lrswipkxtecdan" {
		t.Errorf("ACL after refused changes: %v", mb.ACL)
	}
	if _, err := s.SetACL("user.nobody", "bob", "lr"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("SetACL on a missing mailbox: %v", err)
	}
}

func TestNewMailboxACLInheritsOrDefaults(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DefaultACL: "anyone lr group:staff lrsp"})
	testkit.CreateMailboxes(t, s, "user.alice", "board")
	mb, _ := s.GetMailbox("board")
	if len(mb.ACL) != 2 || mb.ACL["anyone"] != "lr" || mb.ACL["group:staff"] != "lrsp" {
		t.Errorf("top-level shared mailbox: ACL %v, want defaultacl", mb.ACL)
	}
	if _, err := s.SetACL("board", "bob", "lrswi"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("user.alice", "bob", "lr"); err != nil {
		t.Fatal(err)
	}
	testkit.CreateMailboxes(t, s, "board.news", "user.alice.Work")
	mb, _ = s.GetMailbox("board.news")
	if mb.ACL["bob"] != "lrswi" || mb.ACL["anyone"] != "lr" {
		t.Errorf("child of board: ACL %v, want the parent's", mb.ACL)
	}
	mb, _ = s.GetMailbox("user.alice.Work")
	if mb.ACL["bob"] != "lr" || mb.ACL["alice"] != "lrswipkxtecdan" {
		t.Errorf("child of alice's INBOX: ACL %v, want the parent's", mb.ACL)
	}
	testkit.CreateMailboxes(t, s, "user.carol")
	mb, _ = s.GetMailbox("user.carol")
	if len(mb.ACL) != 1 || mb.ACL["carol"] != "lrswipkxtecdan" {
		t.Errorf("a new INBOX: ACL %v, want the owner alone", mb.ACL)
	}
}

func TestGroupsSurviveReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	testkit.CreateMailboxes(t, s, "board")
	if err := s.AddToGroup("staff", "Bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("board", "group:staff", "lrsi"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFromGroup("nosuch"); !errors.Is(err, store.ErrNoGroup) {
		t.Errorf("removing a missing group: %v", err)
	}
	s.Close()
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	g, err := s.Groups()
	if err != nil || len(g["staff"]) != 1 || g["staff"][0] != "Bob" {
		t.Fatalf("groups after reopen: %v, %v", g, err)
	}
	if got := rightsOf(t, s, "Bob", false, "board"); got != "lrsi" {
		t.Errorf("group member after reopen: %q", got)
	}
	if err := s.RemoveFromGroup("staff"); err != nil {
		t.Fatal(err)
	}
	if got := rightsOf(t, s, "Bob", false, "board"); got != "lrs" {
		t.Errorf("after the group is deleted: %q, want defaultacl's anyone lrs", got)
	}
}

func TestMayPostNeedsAnyoneP(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Lists", "board")
	get := func(name string) *store.Mailbox {
		mb, err := s.GetMailbox(name)
		if err != nil {
			t.Fatal(err)
		}
		return mb
	}
	if s.MayPost(get("user.alice.Lists")) || s.MayPost(get("board")) {
		t.Error("posting allowed without p for anyone (the owner's rights must not count)")
	}
	if _, err := s.SetACL("user.alice.Lists", "bob", "p"); err != nil {
		t.Fatal(err)
	}
	if s.MayPost(get("user.alice.Lists")) {
		t.Error("p for bob let an anonymous sender post")
	}
	if _, err := s.SetACL("user.alice.Lists", "anyone", "+p"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("board", "anonymous", "p"); err != nil {
		t.Fatal(err)
	}
	if !s.MayPost(get("user.alice.Lists")) || !s.MayPost(get("board")) {
		t.Error("p for anyone / anonymous does not allow posting")
	}
}

func BenchmarkMailboxRights(b *testing.B) {
	s := testkit.OpenStore(b, store.Options{NoSync: true})
	testkit.CreateMailboxes(b, s, "user.alice", "user.alice.Team")
	for _, id := range []string{"bob", "anyone", "group:staff", "-carol", "dave", "erin"} {
		if _, err := s.SetACL("user.alice.Team", id, "lrs"); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.AddToGroup("staff", "bob", "carol"); err != nil {
		b.Fatal(err)
	}
	mb, err := s.GetMailbox("user.alice.Team")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !s.MailboxRights(mb, "bob", false).Has(store.RightRead) {
			b.Fatal("bob lost r")
		}
	}
}

func TestSharedMailboxesFollowsACLChanges(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Team", "board")
	names := func() string {
		list, err := s.SharedMailboxes()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, mb := range list {
			out = append(out, mb.Name)
		}
		return strings.Join(out, " ")
	}
	if got := names(); got != "board" {
		t.Errorf("before any grant: %q, want the shared board (anyone lrs)", got)
	}
	if _, err := s.SetACL("user.alice.Team", "bob", "lr"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "board user.alice.Team" {
		t.Errorf("after granting bob: %q", got)
	}
	if err := s.RenameMailbox("user.alice.Team", "user.alice.Crew"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "board user.alice.Crew" {
		t.Errorf("after a rename: %q", got)
	}
	if err := s.DeleteACL("user.alice.Crew", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox("board"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "" {
		t.Errorf("after taking the grant back and deleting board: %q", got)
	}
}

func TestACLChangesLeaveEvents(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice")
	if _, err := s.SetACL("user.alice", "bob", "lrc"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteACL("user.alice", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("user.alice", "bob", "lrz"); err == nil {
		t.Fatal("a bad right was taken")
	}
	evs, err := s.PendingEvents(100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Type == store.AclChange {
			got = append(got, ev.Mailbox+" "+ev.ACLIdentifier+" "+ev.ACLRights)
		}
	}
	want := []string{"user.alice bob lrkxc", "user.alice bob "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("AclChange events %q, want %q (none for the refused change)", got, want)
	}
}
