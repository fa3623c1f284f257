package store

import (
	"errors"
	"syscall"
)

// NoSpace reports whether err is a write that failed because the file
// system is full (ENOSPC) or the user's disk quota is spent (EDQUOT). Such
// failures pass once space is freed: callers answer them as a temporary
// condition (IMAP [OVERQUOTA], LMTP 452 4.3.1), not as a server bug.
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
