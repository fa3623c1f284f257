package sse

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"chapar/notify"
)

// filter is what a client asked for: ?types=MessageNew,FlagsSet and
// ?mailbox=PATTERN, a Cyrus pattern on the internal mailbox name ("*"
// matches anything, "%" anything but the hierarchy separator).
type filter struct {
	typeSet map[string]bool // nil: every type
	mailbox *regexp.Regexp  // nil: every mailbox
}

// maxFilter bounds the query: a pattern is compiled once per stream, but
// an unbounded one is still a cost a client should not choose.
const maxFilter = 1024

func parseFilter(q url.Values) (filter, error) {
	var f filter
	if t := q.Get("types"); t != "" {
		if len(t) > maxFilter {
			return f, fmt.Errorf("types: longer than %d bytes", maxFilter)
		}
		f.typeSet = map[string]bool{}
		for _, name := range strings.Split(t, ",") {
			name = strings.TrimSpace(name)
			if name == "" || strings.ContainsAny(name, " .*>") {
				return f, fmt.Errorf("types: %q is no event type", name)
			}
			f.typeSet[name] = true
		}
	}
	if p := q.Get("mailbox"); p != "" {
		if len(p) > maxFilter {
			return f, fmt.Errorf("mailbox: longer than %d bytes", maxFilter)
		}
		f.mailbox = notify.MailboxPattern(p)
	}
	return f, nil
}

func (f filter) types(t string) bool { return f.typeSet == nil || f.typeSet[t] }

func (f filter) mailboxes(name string) bool {
	return f.mailbox == nil || (name != "" && f.mailbox.MatchString(name))
}
