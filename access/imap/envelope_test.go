package imap

import (
	"testing"
)

// TestEnvelopeKeepsGroups: To and Cc with groups come as RFC 3501 §7.4.2
// writes them, a start (NIL NIL "name" NIL) and an end (NIL NIL NIL NIL)
// around the members, an empty group as the two alone.
func TestEnvelopeKeepsGroups(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", "From: Ann <ann@example.org>\r\n"+
		"To: Team: \"Bob B\" <bob@example.org>, carol@example.org;, dave@example.org\r\n"+
		"Cc: undisclosed-recipients:;\r\n"+
		"Subject: groups\r\n"+
		"\r\nhi\r\n")
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	c.exchange("a FETCH 1 ENVELOPE",
		`* 1 FETCH (ENVELOPE (NIL "groups" (("Ann" NIL "ann" "example.org")) (("Ann" NIL "ann" "example.org")) (("Ann" NIL "ann" "example.org")) `+
			`((NIL NIL "Team" NIL)("Bob B" NIL "bob" "example.org")(NIL NIL "carol" "example.org")(NIL NIL NIL NIL)(NIL NIL "dave" "example.org")) `+
			`((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))`,
		"a OK FETCH completed")
}
