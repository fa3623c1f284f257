package pipeline

import (
	"errors"
	"syscall"
)

// ErrNoSpace says the pipeline cannot take a job because storage is full:
// the bus's JetStream disabled itself for lack of space, or refused a
// publish with "insufficient resources". LMTP answers it 452 4.3.1
// (RFC 3463 §3.4, "mail system full") without waiting out a timeout.
var ErrNoSpace = errors.New("insufficient system storage")

// NoSpace reports whether err comes from storage being full: ErrNoSpace,
// or a write that failed with ENOSPC or EDQUOT (the store's segment files
// and bbolt pass those through wrapped). Such a failure passes once space
// is freed, so it is temporary, but it is worth telling apart from a bug.
func NoSpace(err error) bool {
	return errors.Is(err, ErrNoSpace) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// NoSpaceResult is the per-recipient answer for a job refused for lack of
// space: 452 4.3.1, the wording of Cyrus's and Postfix's "Insufficient
// system storage" (RFC 5321 §4.2.2 452, RFC 3463 §3.4 X.3.1).
var NoSpaceResult = Result{Code: 452, Enhanced: "4.3.1", Text: "Insufficient system storage"}
