package store_test

import (
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// A deleted user leaves the groups it was in: a new user of the same name
// starts with none of the old one's group rights.
func TestDeleteUserLeavesItsGroups(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{})
	testkit.AddUsers(t, s, "secret", "alice", "bob")
	if err := s.AddToGroup("staff", "alice", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	groups, err := s.Groups()
	if err != nil {
		t.Fatal(err)
	}
	if got := groups["staff"]; len(got) != 1 || got[0] != "bob" {
		t.Errorf("staff after alice was deleted: %v, want [bob]", got)
	}
}
