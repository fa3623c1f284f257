package store_test

import (
	"testing"

	"chapar/store"
)

func TestUserRule(t *testing.T) {
	t.Parallel()
	virt := store.UserRule{VirtDomains: "userid", DefaultDomain: "Example.com"}
	off := store.UserRule{VirtDomains: "off", DefaultDomain: "example.com"}
	for _, c := range []struct {
		rule       store.UserRule
		name, want string
		inbox      string
	}{
		{virt, "alice", "alice", "user.alice"},
		{virt, "alice@example.com", "alice", "user.alice"},
		{virt, " alice@EXAMPLE.COM ", "alice", "user.alice"},
		{virt, "alice@other.example", "alice@other.example", "other.example!user.alice"},
		{virt, "Alice@Other.Example", "Alice@other.example", "other.example!user.Alice"},
		{virt, "j.doe@other.example", "j.doe@other.example", "other.example!user.j^doe"},
		{store.UserRule{VirtDomains: "on"}, "alice@example.com", "alice@example.com", "example.com!user.alice"},
		{off, "alice@example.com", "alice", "user.alice"},
		{off, "alice@other.example", "alice", "user.alice"},
		{off, "alice", "alice", "user.alice"},
		{store.UserRule{}, "alice@other.example", "alice", "user.alice"},
	} {
		got := c.rule.Canonical(c.name)
		if got != c.want || store.UserInbox(got) != c.inbox {
			t.Errorf("%+v.Canonical(%q) = %q (INBOX %q), want %q (INBOX %q)", c.rule, c.name, got, store.UserInbox(got), c.want, c.inbox)
		}
	}
}
