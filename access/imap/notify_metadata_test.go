package imap

import "testing"

// RFC 5465 §5.6-5.7: with METADATA, NOTIFY's MailboxMetadataChange and
// ServerMetadataChange are served: another session's SETMETADATA on a
// watched mailbox, or on the server, comes as an unsolicited METADATA
// naming the entries (RFC 5464 §4.4.2), removals included; the session's
// own changes, another user's private entries and unwatched mailboxes do
// not.
func TestNotifyMetadataChange(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	d := env.rawLogin(t, "alice")
	bob := env.rawLogin(t, "bob")
	d.ok("a CREATE misc")
	d.ok("a CREATE other")
	d.ok("b SETACL INBOX bob lrn")
	c.exchange("n NOTIFY SET (personal (MailboxMetadataChange ServerMetadataChange))", "n OK NOTIFY completed")

	d.ok(`s1 SETMETADATA INBOX (/shared/comment "hello" /private/colour "red")`)
	c.expect("* METADATA INBOX /shared/comment /private/colour")
	d.ok(`s2 SETMETADATA misc (/shared/comment NIL)`)
	c.expect("* METADATA misc /shared/comment")
	d.ok(`s3 SETMETADATA "" (/private/vendor/x "1")`)
	c.expect(`* METADATA "" /private/vendor/x`)
	// bob's private entry on alice's INBOX is his own; his shared one
	// is everyone's.
	bob.ok(`s4 SETMETADATA "Other Users/alice" (/private/note "mine")`)
	bob.ok(`s5 SETMETADATA "Other Users/alice" (/shared/note "ours")`)
	c.expect("* METADATA INBOX /shared/note")
	// The session's own change: nothing but the tagged OK.
	c.exchange(`s6 SETMETADATA INBOX (/shared/comment "bye")`, "s6 OK SETMETADATA completed")
	// In IDLE too.
	c.send("i IDLE\r\n")
	c.expect("+ ...")
	d.ok(`s7 SETMETADATA other (/private/a "1" /private/b "2")`)
	c.expect("* METADATA other /private/a /private/b")
	c.send("DONE\r\n")
	c.expect("i OK IDLE completed")

	// Only the mailboxes a group names, and server entries only with
	// ServerMetadataChange.
	c.exchange("n2 NOTIFY SET (mailboxes misc (MailboxMetadataChange))", "n2 OK NOTIFY completed")
	d.ok(`s8 SETMETADATA INBOX (/private/colour NIL)`)
	d.ok(`s9 SETMETADATA "" (/private/vendor/x NIL)`)
	d.ok(`s10 SETMETADATA misc (/private/colour "blue")`)
	c.expect("* METADATA misc /private/colour")
	// The selected mailbox is told of too: metadata is not a message
	// event, which SELECTED alone would govern.
	c.ok("sel SELECT misc")
	d.ok(`s11 SETMETADATA misc (/private/colour "green")`)
	c.expect("* METADATA misc /private/colour")
	// NOTIFY NONE: nothing more.
	c.exchange("n3 NOTIFY NONE", "n3 OK NOTIFY completed")
	d.ok(`s12 SETMETADATA misc (/private/colour NIL)`)
	c.exchange("z NOOP", "z OK NOOP completed")
}
