package store_test

import (
	"errors"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

func entryMap(es []store.MetadataEntry) map[string]string {
	m := map[string]string{}
	for _, e := range es {
		m[e.Name] = string(e.Value)
	}
	return m
}

// Shared entries are one for all, private ones each user's own; RENAME
// carries them, DELETE drops them, a new mailbox of the old name starts
// empty.
func TestMetadataScopesRenameDelete(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Work", "user.bob")
	mb, _ := s.GetMailbox("user.alice.Work")
	set := func(user, name, value string) {
		t.Helper()
		e := store.MetadataEntry{Name: name, Value: []byte(value)}
		if value == "" {
			e.Value = nil
		}
		if err := s.SetMetadata(mb, user, []store.MetadataEntry{e}, store.MetadataLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	set("alice", "/shared/comment", "team mail")
	set("alice", "/private/comment", "alice's note")
	set("bob", "/private/comment", "bob's note")
	got, _ := s.Metadata(mb, "bob")
	if m := entryMap(got); len(m) != 2 || m["/shared/comment"] != "team mail" || m["/private/comment"] != "bob's note" {
		t.Errorf("bob sees %v", m)
	}
	set("alice", "/private/comment", "")
	got, _ = s.Metadata(mb, "alice")
	if m := entryMap(got); len(m) != 1 {
		t.Errorf("alice after removing her note sees %v", m)
	}
	if err := s.RenameMailbox("user.alice.Work", "user.alice.Job"); err != nil {
		t.Fatal(err)
	}
	renamed, _ := s.GetMailbox("user.alice.Job")
	got, _ = s.Metadata(renamed, "alice")
	if m := entryMap(got); m["/shared/comment"] != "team mail" {
		t.Errorf("after RENAME: %v", m)
	}
	if err := s.SetMetadata(mb, "alice", []store.MetadataEntry{{Name: "/shared/x", Value: []byte("y")}}, store.MetadataLimits{}); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("set on the old name after RENAME: %v", err)
	}
	if err := s.DeleteMailbox("user.alice.Job"); err != nil {
		t.Fatal(err)
	}
	testkit.CreateMailboxes(t, s, "user.alice.Job")
	again, _ := s.GetMailbox("user.alice.Job")
	if got, _ := s.Metadata(again, "alice"); len(got) != 0 {
		t.Errorf("a new mailbox of a deleted one's name has %v", entryMap(got))
	}
	if got, _ := s.Metadata(renamed, "alice"); len(got) != 0 {
		t.Errorf("the deleted mailbox's entries are still there: %v", entryMap(got))
	}
}

func TestMetadataLimitsAndNames(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	lim := store.MetadataLimits{MaxSize: 4, MaxEntries: 2}
	var big *store.MetadataTooBigError
	if err := s.SetMetadata(nil, "alice", []store.MetadataEntry{{Name: "/private/a", Value: []byte("12345")}}, lim); !errors.As(err, &big) || big.Max != 4 {
		t.Errorf("value over MaxSize: %v", err)
	}
	two := []store.MetadataEntry{{Name: "/private/a", Value: []byte("1")}, {Name: "/private/b", Value: []byte("2")}}
	if err := s.SetMetadata(nil, "alice", two, lim); err != nil {
		t.Fatal(err)
	}
	third := []store.MetadataEntry{{Name: "/private/c", Value: []byte("3")}, {Name: "/private/a", Value: []byte("changed")[:1]}}
	if err := s.SetMetadata(nil, "alice", third, lim); !errors.Is(err, store.ErrMetadataTooMany) {
		t.Errorf("third entry: %v", err)
	}
	got, _ := s.Metadata(nil, "alice")
	if m := entryMap(got); len(m) != 2 || m["/private/a"] != "1" {
		t.Errorf("a refused set changed entries: %v", m)
	}
	for _, bad := range []string{"/private", "/private/", "/other/x", "/shared/a//b", "/shared/a/", "/shared/a*", "/shared/%", "/shared/a\x01"} {
		if store.ValidMetadataName(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Reading needs l and r; private entries need l; shared ones l and n;
// shared server entries are the administrators'.
func TestActorMetadataRights(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Team", "user.bob")
	bob := s.As("bob", false)
	shared := []store.MetadataEntry{{Name: "/shared/comment", Value: []byte("x")}}
	private := []store.MetadataEntry{{Name: "/private/comment", Value: []byte("y")}}
	mb, _ := s.GetMailbox("user.alice.Team")
	if _, err := bob.Metadata(mb); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("read without l: %v", err)
	}
	s.SetACL("user.alice.Team", "bob", "l")
	mb, _ = s.GetMailbox("user.alice.Team")
	if _, err := bob.Metadata(mb); !errors.Is(err, store.ErrPermission) {
		t.Errorf("read without r: %v", err)
	}
	if err := bob.SetMetadata(mb, private, store.MetadataLimits{}); err != nil {
		t.Errorf("private with l: %v", err)
	}
	if err := bob.SetMetadata(mb, shared, store.MetadataLimits{}); !errors.Is(err, store.ErrPermission) {
		t.Errorf("shared without n: %v", err)
	}
	s.SetACL("user.alice.Team", "bob", "lrn")
	mb, _ = s.GetMailbox("user.alice.Team")
	if err := bob.SetMetadata(mb, shared, store.MetadataLimits{}); err != nil {
		t.Errorf("shared with n: %v", err)
	}
	if got, err := bob.Metadata(mb); err != nil || len(got) != 2 {
		t.Errorf("read with lr: %v, %v", entryMap(got), err)
	}
	if err := bob.SetMetadata(nil, shared, store.MetadataLimits{}); !errors.Is(err, store.ErrPermission) {
		t.Errorf("shared server entry by a user: %v", err)
	}
	if err := s.As("admin", true).SetMetadata(nil, shared, store.MetadataLimits{}); err != nil {
		t.Errorf("shared server entry by an admin: %v", err)
	}
	if got, _ := bob.Metadata(nil); entryMap(got)["/shared/comment"] != "x" {
		t.Errorf("server entries bob sees: %v", entryMap(got))
	}
}

// The entry limit is each user's: bob's private entries leave alice's
// room alone, the shared ones count for both.
func TestMetadataLimitPerUser(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	lim := store.MetadataLimits{MaxEntries: 2}
	one := func(name string) []store.MetadataEntry {
		return []store.MetadataEntry{{Name: name, Value: []byte("v")}}
	}
	for _, e := range []struct{ user, name string }{{"bob", "/private/a"}, {"bob", "/private/b"}, {"alice", "/shared/s"}, {"alice", "/private/a"}} {
		if err := s.SetMetadata(nil, e.user, one(e.name), lim); err != nil {
			t.Fatalf("%s %s: %v", e.user, e.name, err)
		}
	}
	if err := s.SetMetadata(nil, "alice", one("/private/b"), lim); !errors.Is(err, store.ErrMetadataTooMany) {
		t.Errorf("alice's third visible entry: %v", err)
	}
	if err := s.SetMetadata(nil, "bob", one("/private/c"), lim); !errors.Is(err, store.ErrMetadataTooMany) {
		t.Errorf("bob's third visible entry (two private, one shared): %v", err)
	}
}

// A deleted user's private entries and URLAUTH keys go with them, so a
// new user of that name inherits neither.
func TestDeleteUserDropsMetadataAndKeys(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	if err := s.AddUser("carol", "pw"); err != nil {
		t.Fatal(err)
	}
	testkit.CreateMailboxes(t, s, "board")
	board, _ := s.GetMailbox("board")
	note := []store.MetadataEntry{{Name: "/private/note", Value: []byte("carol's")}}
	shared := []store.MetadataEntry{{Name: "/shared/comment", Value: []byte("stays")}}
	for _, mb := range []*store.Mailbox{nil, board} {
		if err := s.SetMetadata(mb, "carol", append(note, shared...), store.MetadataLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.URLAuthKey("carol", board, true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser("carol"); err != nil {
		t.Fatal(err)
	}
	for _, mb := range []*store.Mailbox{nil, board} {
		got, _ := s.Metadata(mb, "carol")
		if m := entryMap(got); len(m) != 1 || m["/shared/comment"] != "stays" {
			t.Errorf("after DeleteUser: %v", m)
		}
	}
	if k, _ := s.URLAuthKey("carol", board, false); k != nil {
		t.Error("the deleted user's URLAUTH key is still there")
	}
}
