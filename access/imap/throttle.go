package imap

import (
	"sync"
	"time"
)

// loginThrottle makes the delay before a failed login's NO grow with the
// failures recently seen for the same user name and from the same source
// address, so that guessing one account from many connections, or many
// accounts from one address, slows down where maxlogintrys alone (per
// connection) would let a guesser reconnect and go on at full speed. The
// delay doubles with each failure, from the server's FailedLoginDelay up to
// maxDelayFactor times it, and a key is forgotten after failureMemory
// without failures. It lives in the Server (one per listener set, no global
// state) and in memory only: a restart forgives everyone, as Cyrus's
// per-process failedloginpause does.
type loginThrottle struct {
	base time.Duration

	mu      sync.Mutex
	entries map[string]throttleEntry
}

type throttleEntry struct {
	failures int
	last     time.Time
}

const (
	// maxDelayFactor bounds the delay: 8 × the 1 s default is 8 s, long
	// enough to make guessing slow, short enough that a user who mistyped
	// a few times is not locked out.
	maxDelayFactor = 8
	// failureMemory is the quiet period after which failures are forgotten.
	failureMemory = 15 * time.Minute
	// maxThrottleEntries bounds the table against a spray of made-up user
	// names; past it, expired entries go, and if that is not enough it
	// starts afresh.
	maxThrottleEntries = 100000
)

func newLoginThrottle(base time.Duration) *loginThrottle {
	return &loginThrottle{base: base, entries: map[string]throttleEntry{}}
}

// failed records a failure of user from addr and returns how long to wait
// before answering it: the base delay doubled for each earlier failure of
// the user or of the address, whichever has more.
func (t *loginThrottle) failed(user, addr string, now time.Time) time.Duration {
	if t.base <= 0 {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= maxThrottleEntries {
		t.prune(now)
	}
	n := 0
	for _, k := range []string{"user " + user, "addr " + addr} {
		e := t.entries[k]
		if now.Sub(e.last) > failureMemory {
			e.failures = 0
		}
		e.failures++
		e.last = now
		t.entries[k] = e
		n = max(n, e.failures)
	}
	d := t.base
	for i := 1; i < n && d < t.base*maxDelayFactor; i++ {
		d *= 2
	}
	return min(d, t.base*maxDelayFactor)
}

// succeeded forgets the user's failures. The address's stay until its
// quiet period ends: otherwise a guesser holding one account of its own
// could log in to it between guesses at others and never slow down.
func (t *loginThrottle) succeeded(user string) {
	t.mu.Lock()
	delete(t.entries, "user "+user)
	t.mu.Unlock()
}

func (t *loginThrottle) prune(now time.Time) {
	for k, e := range t.entries {
		if now.Sub(e.last) > failureMemory {
			delete(t.entries, k)
		}
	}
	if len(t.entries) >= maxThrottleEntries {
		t.entries = map[string]throttleEntry{}
	}
}
