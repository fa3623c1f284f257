package testkit

import (
	"testing"
	"time"
)

// pollInterval is short against every wait in the tests (a pipeline hop,
// an fsync, a process start) so that a condition is seen soon after it
// holds, and long enough not to take a core from the server under test.
const pollInterval = 10 * time.Millisecond

// Poll calls cond every pollInterval until it returns nil or within has
// passed, and returns the last error (nil once cond held). It is for
// callers that decide themselves what a timeout means.
func Poll(within time.Duration, cond func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pollInterval)
	}
}

// CheckFor waits until cond returns nil and fails the test with cond's last
// error if that does not happen within the given time. cond's error says
// what is still missing ("2 of 3 events"), which is what a failure needs.
func CheckFor(tb testing.TB, within time.Duration, cond func() error) {
	tb.Helper()
	if err := Poll(within, cond); err != nil {
		tb.Fatalf("not within %v: %v", within, err)
	}
}
