package testkit

import (
	"errors"
	"testing"
	"time"
)

func TestPollReturnsOnceTheConditionHolds(t *testing.T) {
	t.Parallel()
	calls := 0
	err := Poll(time.Minute, func() error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Poll = %v after %d calls, want nil after 3", err, calls)
	}
}

func TestPollGivesTheLastErrorAtTheDeadline(t *testing.T) {
	t.Parallel()
	start := time.Now()
	err := Poll(50*time.Millisecond, func() error { return errors.New("still missing") })
	if err == nil || err.Error() != "still missing" {
		t.Fatalf("Poll = %v, want the condition's last error", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("Poll gave up after %v, before its deadline", d)
	}
}
