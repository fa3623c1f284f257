package imap

import (
	"testing"
)

// TestSearchAddressText: FROM, TO, CC and BCC match the display name,
// the address, and text spanning both as a client shows them, with
// encoded words decoded; the search is case-insensitive.
func TestSearchAddressText(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", "From: \"Doe, John\" <John.Doe@example.org>\r\n"+
		"To: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.net>\r\n"+
		"Cc: Team: \"Ann A\" <ann@example.com>, bob@example.com;\r\n"+
		"Bcc: eve@example.com (Eve E)\r\n"+
		"Subject: one\r\n\r\nx\r\n")
	env.deliver(t, "alice", testMessage("two", "y"))
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	for q, want := range map[string]string{
		`FROM "Doe, John"`:                   "* SEARCH 1",
		`FROM "john <john.doe@example.org>"`: "* SEARCH 1",
		`FROM "Doe, John <john"`:             "* SEARCH 1",
		`FROM example.org`:                   "* SEARCH 1 2",
		`FROM "Sender <sender@"`:             "* SEARCH 2",
		`TO "Jörg Müller <joerg@"`:           "* SEARCH 1",
		`TO "müller"`:                        "* SEARCH 1",
		`CC "Team:"`:                         "* SEARCH 1",
		`CC "Ann A <ann@example.com>"`:       "* SEARCH 1",
		`BCC "Eve E"`:                        "* SEARCH 1",
		`BCC "eve@example.com"`:              "* SEARCH 1",
		`FROM "nobody"`:                      "* SEARCH",
	} {
		c.exchange("t SEARCH CHARSET UTF-8 "+q, want, "t OK SEARCH completed")
	}
}
