package sse

import (
	"net/url"
	"strings"
	"testing"
)

func TestFilter(t *testing.T) {
	t.Parallel()
	f, err := parseFilter(url.Values{"types": {"MessageNew, FlagsSet"}, "mailbox": {"user.alice.%"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ, mailbox string
		want         bool
	}{
		{"MessageNew", "user.alice.Work", true},
		{"FlagsSet", "user.alice.Work", true},
		{"MessageExpunge", "user.alice.Work", false},
		{"MessageNew", "user.alice.Work.Deep", false}, // % stops at the separator
		{"MessageNew", "user.alice", false},
		{"MessageNew", "user.alicex.Work", false},
	} {
		if got := f.types(c.typ) && f.mailboxes(c.mailbox); got != c.want {
			t.Errorf("%s on %s: %v, want %v", c.typ, c.mailbox, got, c.want)
		}
	}
	star, _ := parseFilter(url.Values{"mailbox": {"user.alice*"}})
	if !star.mailboxes("user.alice.Work.Deep") || star.mailboxes("user.bob") {
		t.Error("* does not match across levels")
	}
	for _, bad := range []url.Values{{"types": {"Message.*"}}, {"types": {","}}, {"mailbox": {strings.Repeat("a", 2000)}}} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add("MessageNew,FlagsSet", "user.alice.*")
	f.Add("", "%.[(")
	f.Fuzz(func(t *testing.T, types, mailbox string) {
		flt, err := parseFilter(url.Values{"types": {types}, "mailbox": {mailbox}})
		if err != nil {
			return
		}
		// A literal pattern without wildcards matches itself.
		if mailbox != "" && !strings.ContainsAny(mailbox, "*%") && !flt.mailboxes(mailbox) {
			t.Errorf("pattern %q does not match itself", mailbox)
		}
	})
}
