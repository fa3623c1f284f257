package message

import (
	"net/mail"
	"strings"
	"time"
)

// ParseDate reads an RFC 5322 date-time (a Date: or Resent-Date: field's
// value), with the obsolete forms RFC 5322 §4.3 lets a reader accept.
// IMAP's SENTBEFORE/SENTON/SENTSINCE and Sieve's date test both read
// dates through it.
func ParseDate(v string) (time.Time, error) {
	return mail.ParseDate(strings.TrimSpace(v))
}
