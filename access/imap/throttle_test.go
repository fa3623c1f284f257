package imap

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// Failed logins wait longer and longer, across connections: maxlogintrys
// ends a connection, but the next one from the same address, or for the
// same user, goes on where it left off, doubling up to 8 × the base. The
// delays are asserted as chosen, through the server's hook, not timed.
func TestFailedLoginDelayGrows(t *testing.T) {
	t.Parallel()
	const base = time.Millisecond
	env := newTestEnv(t, func(c *Config) { c.FailedLoginDelay = base })
	var mu sync.Mutex
	var delays []time.Duration
	hook := func(d time.Duration) {
		mu.Lock()
		delays = append(delays, d)
		mu.Unlock()
	}
	env.srv.delayHook.Store(&hook)

	c := env.raw(t)
	c.exchange("a LOGIN alice wrong", "a NO [AUTHENTICATIONFAILED] invalid credentials")
	c.exchange("b LOGIN alice wrong", "b NO [AUTHENTICATIONFAILED] invalid credentials")
	c2 := env.raw(t)
	for i := range 3 {
		c2.cmd(fmt.Sprintf("c%d LOGIN nobody%d wrong", i, i))
	}
	mu.Lock()
	got := slices.Clone(delays)
	mu.Unlock()
	if want := []time.Duration{base, 2 * base, 4 * base, 8 * base, 8 * base}; !slices.Equal(got, want) {
		t.Errorf("failed-login delays %v, want %v", got, want)
	}
	// The right password still logs in, at once.
	env.raw(t).exchange("d LOGIN alice pw", "d OK [CAPABILITY IMAP4rev1 ...")
}

// The throttle's table: per user and per address, the larger count wins; a
// success forgets the user's failures but not the address's; a quiet
// period forgets both; no base, no delay.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	const base = time.Second
	now := time.Unix(1e9, 0)
	th := newLoginThrottle(base)
	step := func(user, addr string, want time.Duration) {
		t.Helper()
		if d := th.failed(user, addr, now); d != want {
			t.Errorf("failed(%s, %s) = %v, want %v", user, addr, d, want)
		}
	}
	// One user guessed from three addresses.
	step("alice", "192.0.2.1", base)
	step("alice", "192.0.2.2", 2*base)
	step("alice", "192.0.2.3", 4*base)
	// Other users from a fresh address are not slowed by alice's count.
	step("bob", "192.0.2.9", base)
	// One address spraying users.
	step("carol", "192.0.2.1", 2*base)
	step("dave", "192.0.2.1", 4*base)
	step("erin", "192.0.2.1", 8*base)
	step("frank", "192.0.2.1", 8*base) // bounded
	// alice logs in: her count goes, 192.0.2.3's stays.
	th.succeeded("alice")
	step("alice", "192.0.2.4", base)
	step("alice", "192.0.2.3", 2*base) // alice's second since her login, 192.0.2.3's second
	// A quiet period forgets everything.
	now = now.Add(failureMemory + time.Second)
	step("alice", "192.0.2.1", base)
	if d := newLoginThrottle(-1).failed("alice", "192.0.2.1", now); d != 0 {
		t.Errorf("negative base: delay %v, want none", d)
	}
}
