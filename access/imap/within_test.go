package imap

import (
	"testing"
	"time"
)

// WITHIN (RFC 5032): YOUNGER and OLDER by INTERNALDATE, against messages
// appended in 2020 and one delivered now.
func TestSearchWithin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	appendAll(t, c, sortMails[:2])
	env.deliver(t, "alice", testMessage("fresh", "now"))
	c.ok("s SELECT INBOX")
	c.exchange("a SEARCH YOUNGER 3600", "* SEARCH 3", "a OK SEARCH completed")
	c.exchange("b SEARCH OLDER 3600", "* SEARCH 1 2", "b OK SEARCH completed")
	c.exchange("c UID SEARCH NOT YOUNGER 4000000000", "* SEARCH", "c OK UID SEARCH completed")
	c.exchange("d SORT (ARRIVAL) UTF-8 OLDER 1", "* SORT 2 1", "d OK SORT completed")
	c.expectTagged("e SEARCH YOUNGER 0", "BAD")
	c.expectTagged("f SEARCH OLDER -5", "BAD")
	c.expectTagged("g SEARCH OLDER", "BAD")
}

// The boundary: exactly n seconds ago is OLDER n, not YOUNGER n.
func TestWithinBoundary(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ago         time.Duration
		older, youn bool
	}{
		{0, false, true},
		{59 * time.Second, false, true},
		{60 * time.Second, true, false},
		{time.Hour, true, false},
		{-time.Hour, false, true}, // in the future: young
	} {
		at := now.Add(-c.ago)
		if got := within(at, now, "OLDER", 60); got != c.older {
			t.Errorf("%v ago: OLDER 60 = %v", c.ago, got)
		}
		if got := within(at, now, "YOUNGER", 60); got != c.youn {
			t.Errorf("%v ago: YOUNGER 60 = %v", c.ago, got)
		}
	}
}
