package store_test

import (
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// The auth cache must never let a wrong or stale password in: a second
// login with the right password is answered from the cache, and a changed
// password or a deleted user is seen at once.
func TestAuthenticateWithCache(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	if err := s.AddUser("alice", "first"); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		pass string
		want bool
	}{{"first", true}, {"first", true}, {"wrong", false}, {"First", false}, {"first", true}} {
		if ok, err := s.Authenticate("alice", c.pass); err != nil || ok != c.want {
			t.Fatalf("step %d: Authenticate(alice, %q) = %v, %v; want %v", i, c.pass, ok, err, c.want)
		}
	}
	if err := s.SetPassword("alice", "second"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Authenticate("alice", "first"); ok {
		t.Fatal("the old password still works after SetPassword (stale cache entry)")
	}
	if ok, _ := s.Authenticate("alice", "second"); !ok {
		t.Fatal("the new password is refused")
	}
	if err := s.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Authenticate("alice", "second"); ok || err == nil {
		t.Fatalf("a deleted user authenticates: %v, %v", ok, err)
	}
}

func BenchmarkAuthenticateCached(b *testing.B) {
	s := testkit.OpenStore(b, store.Options{NoSync: true})
	if err := s.AddUser("alice", "pw"); err != nil {
		b.Fatal(err)
	}
	s.Authenticate("alice", "pw")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := s.Authenticate("alice", "pw"); !ok {
			b.Fatal("refused")
		}
	}
}
