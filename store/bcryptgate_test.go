package store_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

// An unknown user costs the bcrypt work of a wrong password, so that user
// names cannot be enumerated by answer time. The test counts the work
// rather than timing it: one comparison for a wrong password, one for an
// unknown user, none for a password the auth cache already verified.
func TestAuthenticateUnknownUserDoesBcryptWork(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := s.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		user, pass string
		ok         bool
		noUser     bool
		compares   uint64
	}{
		{"alice", "wrong", false, false, 1},
		{"nobody", "wrong", false, true, 1},
		{"nobody@example.com", "pw", false, true, 1},
		{"alice", "pw", true, false, 1},
		{"alice", "pw", true, false, 0}, // from the auth cache
	} {
		before := s.BcryptCompares()
		ok, err := s.Authenticate(c.user, c.pass)
		if ok != c.ok || errors.Is(err, store.ErrNoUser) != c.noUser || (err != nil && !c.noUser) {
			t.Errorf("step %d: Authenticate(%q, %q) = %v, %v", i, c.user, c.pass, ok, err)
		}
		if n := s.BcryptCompares() - before; n != c.compares {
			t.Errorf("step %d: Authenticate(%q, %q) ran %d bcrypt comparisons, want %d", i, c.user, c.pass, n, c.compares)
		}
	}
}

// No more than AuthConcurrency comparisons run at once, whatever the
// number of logins waiting; the others queue and all of them finish. The
// hook holds each comparison in its slot until the test lets one go, so
// that without the cap every login would be inside at the same time.
func TestAuthenticateConcurrencyCap(t *testing.T) {
	t.Parallel()
	const slots, logins = 2, 8
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost, AuthConcurrency: slots})
	if err := s.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	var inside, most atomic.Int32
	release := make(chan struct{})
	s.SetBcryptHook(func() {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		inside.Add(-1)
	})
	var wg sync.WaitGroup
	for i := range logins {
		user := "alice"
		if i%2 == 1 {
			user = "nobody" // unknown users take a slot too
		}
		// Guesses differ: identical attempts would share one comparison
		// (TestIdenticalLoginsShareOneComparison).
		pass := fmt.Sprintf("wrong%d", i)
		wg.Go(func() {
			if ok, _ := s.Authenticate(user, pass); ok {
				t.Errorf("%s logged in with a wrong password", user)
			}
		})
	}
	for done := 0; done < logins; done++ {
		want := int32(min(slots, logins-done))
		testkit.CheckFor(t, 10*time.Second, func() error {
			if n := inside.Load(); n != want {
				return fmt.Errorf("%d comparisons in their slots, want %d", n, want)
			}
			return nil
		})
		release <- struct{}{}
	}
	wg.Wait()
	if m := most.Load(); m != slots {
		t.Errorf("%d comparisons ran at once, want at most (and, under this load, exactly) %d", m, slots)
	}
	if n := s.BcryptCompares(); n != logins {
		t.Errorf("%d comparisons, want %d", n, logins)
	}
}

// Logins with the same user and password that arrive while one is being
// compared wait for its answer instead of each paying bcrypt: a hundred
// event-stream clients reconnecting with one account after a restart. The
// hook holds the first comparison until every login has arrived.
func TestIdenticalLoginsShareOneComparison(t *testing.T) {
	t.Parallel()
	const logins = 20
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := s.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{}, logins)
	release := make(chan struct{})
	s.SetBcryptHook(func() {
		entered <- struct{}{}
		<-release
	})
	var wg sync.WaitGroup
	var good atomic.Int32
	for range logins {
		wg.Go(func() {
			if ok, err := s.Authenticate("alice", "pw"); ok && err == nil {
				good.Add(1)
			}
		})
	}
	<-entered
	// Let the others queue behind the one inside; none may start its own.
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := good.Load(); n != logins {
		t.Errorf("%d of %d logins succeeded", n, logins)
	}
	if n := s.BcryptCompares(); n > 2 {
		t.Errorf("%d bcrypt comparisons for %d identical logins, want 1 (2 if one arrived after the first finished)", n, logins)
	}
}
