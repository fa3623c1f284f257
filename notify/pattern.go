package notify

import (
	"regexp"
	"strings"
)

// MailboxPattern turns a Cyrus mailbox pattern on internal names ("*"
// anything, "%" anything but the hierarchy separator ".") into a regular
// expression matching whole names; nil for "", which filters nothing.
// SSE's ?mailbox= and the webhooks' --mailbox read patterns this way.
func MailboxPattern(p string) *regexp.Regexp {
	if p == "" {
		return nil
	}
	var b strings.Builder
	b.WriteByte('^')
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '%':
			b.WriteString(`[^.]*`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteByte('$')
	return regexp.MustCompile(b.String())
}
