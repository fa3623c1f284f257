package store

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
)

// bcryptGate is where every password comparison of Authenticate happens.
// It does two things against password guessing:
//
//   - It bounds how many comparisons run at once (a semaphore of
//     AuthConcurrency slots, GOMAXPROCS by default). bcrypt is tens of
//     milliseconds of CPU by design; two hundred connections guessing in
//     parallel would otherwise take every core, and real logins, delivery
//     and IMAP reads would starve behind them. With the cap, guesses queue
//     for a slot and the rest of the process keeps its share of the CPU.
//   - It holds a dummy hash, made once per Store at the store's
//     PasswordCost, that a login for an unknown user is compared against,
//     so that an unknown user costs the same bcrypt work as a wrong
//     password and user names cannot be told apart by answer time (the
//     reason OpenSSH and Dovecot check a fake password for unknown users).
type bcryptGate struct {
	slots chan struct{}
	dummy func() ([]byte, error)

	// compares counts comparisons, and hook, when set, runs inside a slot
	// before each one: for tests, which assert the work done and the
	// concurrency reached rather than timings.
	compares atomic.Uint64
	hook     atomic.Pointer[func()]
}

func newBcryptGate(concurrency, cost int) *bcryptGate {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &bcryptGate{
		slots: make(chan struct{}, concurrency),
		// Made on first use rather than at Open, so that opening a store
		// (every admin command does) does not pay for a hash it may never
		// need.
		dummy: sync.OnceValues(func() ([]byte, error) {
			h, err := bcrypt.GenerateFromPassword([]byte("chapar: no such user"), cost)
			if err != nil {
				return nil, fmt.Errorf("dummy password hash: %w", err)
			}
			return h, nil
		}),
	}
}

// compare reports whether password matches hash, waiting for a slot first.
func (g *bcryptGate) compare(hash []byte, password string) bool {
	g.slots <- struct{}{}
	defer func() { <-g.slots }()
	if h := g.hook.Load(); h != nil {
		(*h)()
	}
	g.compares.Add(1)
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// compareUnknown does the work of a wrong password for a user that does
// not exist; it never matches.
func (g *bcryptGate) compareUnknown(password string) error {
	h, err := g.dummy()
	if err != nil {
		return err
	}
	g.compare(h, password)
	return nil
}
