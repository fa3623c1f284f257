package imap

import "time"

// within answers WITHIN's keys (RFC 5032 §3) for a message that arrived
// at internal, now being now: OLDER n matches an INTERNALDATE at least n
// seconds ago, YOUNGER n one less than n seconds ago, so that the two
// with one interval split a mailbox without overlap or gap.
func within(internal, now time.Time, op string, seconds int64) bool {
	older := !internal.After(now.Add(-time.Duration(seconds) * time.Second))
	if op == "OLDER" {
		return older
	}
	return !older
}
