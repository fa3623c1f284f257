package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// authCache remembers successful logins so that a client reconnecting with
// the same password is not charged a bcrypt comparison (tens of
// milliseconds of CPU) every time: Dovecot's auth_cache, for the built-in
// user store. An entry holds an HMAC of the password under a key that lives
// only in this process, and the bcrypt hash it was checked against, so a
// password change (a new hash) or a deleted user invalidates it at once.
// Failures are never cached.
type authCache struct {
	key [32]byte
	ttl time.Duration

	mu      sync.Mutex
	entries map[string]authEntry
	// flights are the comparisons running now, by user, password MAC and
	// hash: a hundred dashboards reconnecting at once with one account
	// cost one bcrypt, not a hundred.
	flights map[string]*flight
}

// flight is one bcrypt comparison that identical attempts wait for.
type flight struct {
	done chan struct{}
	ok   bool
}

type authEntry struct {
	mac   []byte
	hash  string
	until time.Time
}

// authCacheTTL is how long a verified password is trusted without bcrypt.
const authCacheTTL = time.Hour

// maxAuthEntries bounds the cache; past it, it starts afresh.
const maxAuthEntries = 100000

func newAuthCache(ttl time.Duration) *authCache {
	c := &authCache{ttl: ttl, entries: map[string]authEntry{}, flights: map[string]*flight{}}
	if _, err := rand.Read(c.key[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return c
}

func (c *authCache) mac(user, password string) []byte {
	h := hmac.New(sha256.New, c.key[:])
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(password))
	return h.Sum(nil)
}

func (c *authCache) verified(user, password, hash string) bool {
	c.mu.Lock()
	e, ok := c.entries[user]
	c.mu.Unlock()
	return ok && e.hash == hash && time.Now().Before(e.until) && hmac.Equal(e.mac, c.mac(user, password))
}

func (c *authCache) remember(user, password, hash string) {
	e := authEntry{mac: c.mac(user, password), hash: hash, until: time.Now().Add(c.ttl)}
	c.mu.Lock()
	if len(c.entries) >= maxAuthEntries {
		c.entries = map[string]authEntry{}
	}
	c.entries[user] = e
	c.mu.Unlock()
}

// check compares password with hash through compare, unless an identical
// comparison (same user, password and hash) is running: then it shares
// that one's answer. Sharing a failure is as safe as sharing a success:
// the same password gets the same answer either way.
func (c *authCache) check(user, password, hash string, compare func() bool) bool {
	key := user + "\x00" + hash + "\x00" + string(c.mac(user, password))
	c.mu.Lock()
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		<-f.done
		return f.ok
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.flights, key)
		c.mu.Unlock()
		close(f.done)
	}()
	f.ok = compare()
	return f.ok
}
