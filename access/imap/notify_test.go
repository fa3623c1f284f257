package imap

import (
	"strings"
	"testing"
)

// NOTIFY's grammar and rules (RFC 5465 §3.1, §5, §8): what is malformed
// is BAD, an event the server does not notify of is NO [BADEVENT] naming
// the ones it does.
func TestNotifyRefusesWhatTheRFCForbids(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	for _, bad := range []string{
		"a NOTIFY SET (selected (MessageNew))",
		"a NOTIFY SET (selected (MessageExpunge FlagChange))",
		"a NOTIFY SET (personal (FlagChange))",
		"a NOTIFY SET (selected (MailboxName))",
		"a NOTIFY SET (selected (MailboxMetadataChange))",
		"a NOTIFY SET (selected-delayed (ServerMetadataChange))",
		"a NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))",
		"a NOTIFY SET (mailboxes INBOX (MessageNew (uid) MessageExpunge))",
		"a NOTIFY SET (selected (MessageNew (body[]) MessageExpunge))",
		"a NOTIFY SET (everything (MessageNew MessageExpunge))",
		"a NOTIFY SET",
		"a NOTIFY SET STATUS",
		"a NOTIFY SET (subtree (MessageNew MessageExpunge))",
		"a NOTIFY SET (personal (MessageNew MessageExpunge)",
		"a NOTIFY MAYBE",
	} {
		c.expectTagged(bad, "BAD")
	}
	c.exchange("b NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))",
		"b NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)] NOTIFY: not supported: AnnotationChange")
	c.exchange("c NOTIFY SET (personal (MailboxMetadataChange FolderColourChange))",
		"c NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)] NOTIFY: not supported: FolderColourChange")
	c.exchange("d NOTIFY SET (personal NONE)", "d OK NOTIFY completed")
	c.exchange("e NOTIFY NONE", "e OK NOTIFY completed")
}

// RFC 5465 §3.1's example, with its event lists written as the grammar
// wants them: STATUS for the watched mailboxes at NOTIFY SET, a STATUS
// pushed when mail reaches one of them, and for the selected mailbox
// EXISTS and the FETCH of the attributes asked for, all without a command
// from the client.
func TestNotifyExample(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("a CREATE Lists/Lemonade")
	c.ok("a CREATE Lists/Im2000")
	c.ok("a CREATE misc")
	env.deliver(t, "alice", testMessage("first", "hello"))
	env.deliverTo(t, "user.alice.Lists.Lemonade", testMessage("l1", "one"))

	c.exchange(`b NOTIFY SET STATUS (selected (MessageNew (uid body.peek[header.fields (from subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge))`,
		"* STATUS Lists (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ...",
		"* STATUS Lists/Im2000 (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ...",
		"* STATUS Lists/Lemonade (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ...",
		"b OK NOTIFY completed")
	c.ok("c SELECT INBOX")

	// Mail to a watched mailbox: its STATUS, unasked.
	env.deliverTo(t, "user.alice.Lists.Lemonade", testMessage("l2", "two"))
	c.expect("* STATUS Lists/Lemonade (UIDNEXT 3 MESSAGES 2)")
	// Mail to a mailbox nobody asked about: nothing. Then to the
	// selected mailbox: EXISTS, RECENT (an IMAP4rev1 session) and the
	// FETCH NOTIFY asked for.
	env.deliverTo(t, "user.alice.misc", testMessage("m1", "misc"))
	env.deliver(t, "alice", testMessage("second", "good morning"))
	// The attributes echo as the client spelt them.
	c.expect("* 2 EXISTS", "* 2 RECENT") // the first message was new to this session too
	fetch := c.line()
	if !strings.HasPrefix(fetch, "* 2 FETCH (UID 2 BODY[HEADER.FIELDS (from subject)] {") ||
		!strings.Contains(fetch, "\r\nSubject: second\r\n\r\n)") || strings.Contains(fetch, "To:") {
		t.Errorf("FETCH of the new message: %q", fetch)
	}
	// Without STATUS, NOTIFY SET sends no STATUS; NOTIFY NONE stops it all.
	c.exchange("d NOTIFY SET (mailboxes misc (MessageNew MessageExpunge))", "d OK NOTIFY completed")
	env.deliverTo(t, "user.alice.misc", testMessage("m2", "misc"))
	c.expect("* STATUS misc (UIDNEXT 3 MESSAGES 2)")
	c.exchange("e NOTIFY NONE", "e OK NOTIFY completed")
	env.deliverTo(t, "user.alice.misc", testMessage("m3", "misc"))
	env.deliver(t, "alice", testMessage("third", "x"))
	// Without NOTIFY, news of the selected mailbox waits for a command.
	c.exchange("f NOOP", "* 3 EXISTS", "* 3 RECENT", "f OK NOOP completed")
}

// MailboxName (RFC 5465 §5.4): another session's CREATE, RENAME and DELETE
// reach the NOTIFY session as LIST responses, the rename with OLDNAME and
// no line for the child renamed with it; the session's own CREATE does not.
func TestNotifyMailboxName(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	other := env.rawLogin(t, "alice")
	c.exchange("a NOTIFY SET (personal (MailboxName SubscriptionChange))", "a OK NOTIFY completed")
	c.exchange("b CREATE Mine", "b OK [MAILBOXID (F...")
	other.ok("c CREATE Work")
	c.expect(`* LIST (\HasNoChildren) "/" Work`)
	other.ok("d CREATE Work/Sub")
	c.expect(`* LIST (\HasNoChildren) "/" Work/Sub`)
	other.ok("e RENAME Work Play")
	c.expect(`* LIST (\HasChildren) "/" Play ("OLDNAME" (Work))`)
	other.ok("f DELETE Play/Sub")
	c.expect(`* LIST (\NonExistent) "/" Play/Sub`)
	// Bob's mailboxes are not alice's personal ones.
	bob := env.rawLogin(t, "bob")
	bob.ok("g CREATE Elsewhere")
	other.ok("h DELETE Mine")
	c.expect(`* LIST (\NonExistent) "/" Mine`)
	// SubscriptionChange (§5.5): another session subscribes, then not.
	other.ok("i SUBSCRIBE Play")
	c.expect(`* LIST (\HasNoChildren \Subscribed) "/" Play`)
	other.ok("j UNSUBSCRIBE Play")
	c.expect(`* LIST (\HasNoChildren) "/" Play`)
	c.exchange("k NOOP", "k OK NOOP completed")
}
