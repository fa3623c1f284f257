package store_test

import (
	"errors"
	"testing"

	"chapar/store"
)

func TestUserInboxAndOwner(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ user, inbox string }{
		{"alice", "user.alice"},
		{"john.doe", "user.john^doe"},
		{"bob@Example.COM", "example.com!user.bob"},
		{"j.r@example.com", "example.com!user.j^r"},
	} {
		if got := store.UserInbox(c.user); got != c.inbox {
			t.Errorf("UserInbox(%q) = %q, want %q", c.user, got, c.inbox)
		}
		if err := store.ValidateName(c.inbox); err != nil {
			t.Errorf("the INBOX of %q, %q, is not a valid name: %v", c.user, c.inbox, err)
		}
		if got, want := store.Owner(c.inbox), store.NormalizeUser(c.user); got != want {
			t.Errorf("Owner(%q) = %q, want %q", c.inbox, got, want)
		}
	}
	for _, c := range []struct{ name, owner string }{
		{"user.alice.Sent", "alice"},
		{"user.alice.Sent.2024", "alice"},
		{"user.john^doe.Trash", "john.doe"},
		{"example.com!user.bob.Sent", "bob@example.com"},
		{"example.com!user.bob", "bob@example.com"},
		{"shared.news", ""},
		{"example.com!shared", ""},
		{"user", ""},
		{"username.x", ""},
	} {
		if got := store.Owner(c.name); got != c.owner {
			t.Errorf("Owner(%q) = %q, want %q", c.name, got, c.owner)
		}
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"user.alice", "user.alice.Work", "example.com!user.bob", "shared", "user.alice.Ünïcödé", "a.b-c.d_e"} {
		if err := store.ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v, want ok", ok, err)
		}
	}
	for _, bad := range []string{"", "user", "user.", ".user", "user..alice", "user.a*", "user.a%", "user.a\x00b",
		"user.a\x7f", "!user.alice", "exa mple.com!user.bob", "example.com!user", "a!b!c", ".example.com!user.x",
		"example..com!user.x", "user.\xff", string(make([]byte, store.MaxNameLen+1))} {
		if err := store.ValidateName(bad); !errors.Is(err, store.ErrBadName) {
			t.Errorf("ValidateName(%q) = %v, want ErrBadName", bad, err)
		}
	}
}

func TestNamer(t *testing.T) {
	t.Parallel()
	unix := store.Namer{UnixHierarchySep: true}
	dots := store.Namer{}
	if unix.Sep() != '/' || dots.Sep() != '.' {
		t.Fatalf("separators %q and %q, want '/' and '.'", unix.Sep(), dots.Sep())
	}
	for _, c := range []struct {
		namer    store.Namer
		external string
		internal string
		// back is what External gives when it differs from external.
		back string
	}{
		{unix, "user/alice", "user.alice", ""},
		{unix, "user/alice/Work/2024", "user.alice.Work.2024", ""},
		{unix, "user/john.doe/Sent", "user.john^doe.Sent", ""},
		{unix, "user/alice/Q1.2024", "user.alice.Q1^2024", ""},
		{unix, "user/bob/Sent@Example.com", "example.com!user.bob.Sent", "user/bob/Sent@example.com"},
		{unix, "shared/news@example.com", "example.com!shared.news", ""},
		{dots, "user.alice.Work", "user.alice.Work", ""},
		{dots, "user.bob@example.com", "example.com!user.bob", ""},
		{dots, "user.j^r.Sent@example.com", "example.com!user.j^r.Sent", ""},
	} {
		got, err := c.namer.Internal(c.external)
		if err != nil || got != c.internal {
			t.Errorf("%+v.Internal(%q) = %q, %v; want %q", c.namer, c.external, got, err, c.internal)
			continue
		}
		back := c.back
		if back == "" {
			back = c.external
		}
		if ext := c.namer.External(got); ext != back {
			t.Errorf("%+v.External(%q) = %q, want %q", c.namer, got, ext, back)
		}
		if again, err := c.namer.Internal(c.namer.External(got)); err != nil || again != got {
			t.Errorf("round trip of %q gives %q, %v", got, again, err)
		}
	}
	for _, bad := range []string{"user//alice", "user/alice/", "user", "user/a*b", "/user/alice"} {
		if got, err := unix.Internal(bad); !errors.Is(err, store.ErrBadName) {
			t.Errorf("Internal(%q) = %q, %v; want ErrBadName", bad, got, err)
		}
	}
}

// A folder a user may create over IMAP ("foo@bar") comes back from the
// administrator's form as a folder in the domain "bar".
// An '@' would be read back as a domain and a '/' as a separator, so a
// name holding either could not survive the administrator's form: they are
// refused, as Cyrus refuses them under virtdomains and unixhierarchysep.
func TestNamesRefuseAtAndSlash(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"user.alice.foo@bar", "user.alice.a/b", "shared.x@y"} {
		if err := store.ValidateName(name); err == nil {
			t.Errorf("ValidateName(%q) accepted a name that cannot round-trip", name)
		}
	}
	if _, err := (store.Namer{UnixHierarchySep: true}).Internal("user/alice/foo@bar@example.com"); err == nil {
		t.Error("Internal accepted an '@' inside a mailbox name")
	}
}

// FuzzNamerRoundTrip: every valid internal name survives a trip through
// the administrator's form, under both separators.
func FuzzNamerRoundTrip(f *testing.F) {
	for _, seed := range []string{"user.alice", "user.john^doe.Sent", "example.com!user.bob.Q1^2024", "shared.news", "user.alice.a b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if store.ValidateName(name) != nil {
			return
		}
		for _, n := range []store.Namer{{UnixHierarchySep: true}, {}} {
			ext := n.External(name)
			back, err := n.Internal(ext)
			if err != nil || back != name {
				t.Errorf("%+v: %q → %q → %q, %v", n, name, ext, back, err)
			}
		}
	})
}
