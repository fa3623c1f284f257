package imap

import (
	"testing"
)

// contextEnv selects INBOX, holding three unseen messages (UIDs 1 to 3),
// in an IMAP4rev2 session c (no \Recent to follow) and a second session d
// that makes changes behind c's back.
func contextEnv(t *testing.T) (env *testEnv, c, d *rawConn) {
	env = newTestEnv(t)
	for _, s := range []string{"one", "two", "three"} {
		env.deliver(t, "alice", testMessage(s, "body of "+s))
	}
	c = env.rawLogin(t, "alice")
	c.ok("e ENABLE IMAP4rev2")
	c.ok("s SELECT INBOX")
	d = env.rawLogin(t, "alice")
	d.ok("e ENABLE IMAP4rev2")
	d.ok("s SELECT INBOX")
	return env, c, d
}

// RFC 5267 §4.3: SEARCH RETURN (UPDATE) keeps the result, and changes by
// another session, by this one, new mail and expunges come as ADDTO and
// REMOVEFROM, by UID for UID SEARCH and by sequence number for SEARCH.
func TestSearchContextUpdates(t *testing.T) {
	t.Parallel()
	env, c, d := contextEnv(t)
	c.exchange("a UID SEARCH RETURN (UPDATE) UNSEEN", `* ESEARCH (TAG "a") UID ALL 1:3`, "a OK UID SEARCH completed")
	c.exchange("b SEARCH RETURN (CONTEXT UPDATE COUNT) FLAGGED", `* ESEARCH (TAG "b") COUNT 0`, "b OK SEARCH completed")
	// Another session's flags: the FETCH, then the changes (RFC 5465 §5.1).
	d.ok(`t UID STORE 2 +FLAGS (\Seen \Flagged)`)
	c.exchange("n1 NOOP",
		`* 2 FETCH (UID 2 FLAGS (\Seen \Flagged))`,
		`* ESEARCH (TAG "a") UID REMOVEFROM (0 2)`,
		`* ESEARCH (TAG "b") ADDTO (0 2)`,
		"n1 OK NOOP completed")
	// New mail: EXISTS first, then ADDTO (RFC 5267 §4.3.3).
	env.deliver(t, "alice", testMessage("four", "x"))
	c.exchange("n2 NOOP", "* 4 EXISTS", `* ESEARCH (TAG "a") UID ADDTO (0 4)`, "n2 OK NOOP completed")
	// The session's own STORE changes the results too.
	c.exchange(`s1 UID STORE 1,3 +FLAGS (\Flagged)`,
		`* 1 FETCH (UID 1 FLAGS (\Flagged))`,
		`* 3 FETCH (UID 3 FLAGS (\Flagged))`,
		`* ESEARCH (TAG "b") ADDTO (0 1,3)`,
		"s1 OK UID STORE completed")
	// A flag change that changes no result says nothing more.
	c.exchange(`s2 UID STORE 4 +FLAGS ($Work)`,
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work \*)] Flags permitted`,
		`* 4 FETCH (UID 4 FLAGS ($Work))`,
		"s2 OK UID STORE completed")
	// An expunge during FETCH: REMOVEFROM may go now, by the sequence
	// number the message still has; its EXPUNGE waits (RFC 9051 §7.5.1).
	d.ok(`t2 UID STORE 2 +FLAGS.SILENT (\Deleted)`)
	d.ok("x UID EXPUNGE 2")
	c.exchange("f FETCH 1 (UID)",
		"* 1 FETCH (UID 1)",
		`* ESEARCH (TAG "b") REMOVEFROM (0 2)`,
		"f OK FETCH completed")
	c.exchange("n3 NOOP", "* 2 EXPUNGE", "n3 OK NOOP completed")
	// After EXPUNGE the client renumbers its results itself: UID 3 is 2.
	c.exchange(`s3 UID STORE 3 -FLAGS (\Flagged)`,
		`* 2 FETCH (UID 3 FLAGS ())`,
		`* ESEARCH (TAG "b") REMOVEFROM (0 2)`,
		"s3 OK UID STORE completed")
	// CANCELUPDATE ends one context; the other goes on.
	c.exchange(`cu CANCELUPDATE "b"`, "cu OK CANCELUPDATE completed")
	d.ok(`t3 UID STORE 1 +FLAGS (\Seen)`)
	c.exchange("n4 NOOP",
		`* 1 FETCH (UID 1 FLAGS (\Flagged \Seen))`,
		`* ESEARCH (TAG "a") UID REMOVEFROM (0 1)`,
		"n4 OK NOOP completed")
	c.exchange(`cu2 CANCELUPDATE "a"`, "cu2 OK CANCELUPDATE completed")
	d.ok(`t4 UID STORE 1 -FLAGS (\Seen)`)
	c.exchange("n5 NOOP", `* 1 FETCH (UID 1 FLAGS (\Flagged))`, "n5 OK NOOP completed")
}

// Keys that read the message (SUBJECT, BODY) are evaluated for new mail;
// a sequence set in the program is fixed when the command runs (RFC 5267
// §4.3), and so is "$".
func TestSearchContextStoreKeysAndFrozenSets(t *testing.T) {
	t.Parallel()
	env, c, d := contextEnv(t)
	c.exchange("a UID SEARCH RETURN (UPDATE) SUBJECT lucky", `* ESEARCH (TAG "a") UID`, "a OK UID SEARCH completed")
	c.exchange("b UID SEARCH RETURN (UPDATE) 2:* UNFLAGGED", `* ESEARCH (TAG "b") UID ALL 2:3`, "b OK UID SEARCH completed")
	c.exchange("sv UID SEARCH RETURN (SAVE) 1", "sv OK UID SEARCH completed")
	c.exchange("c UID SEARCH RETURN (UPDATE COUNT) $ UNSEEN", `* ESEARCH (TAG "c") UID COUNT 1`, "c OK UID SEARCH completed")
	// Save another result: context c still follows UID 1; "$" in an
	// UPDATE that also saves is the result saved before it.
	c.exchange("sv2 UID SEARCH RETURN (SAVE) 3", "sv2 OK UID SEARCH completed")
	c.exchange("c2 UID SEARCH RETURN (SAVE UPDATE) $ SEEN", "c2 OK UID SEARCH completed")
	env.deliver(t, "alice", testMessage("lucky day", "x"))
	env.deliver(t, "alice", testMessage("plain day", "lucky in the body only"))
	// UID 4 and 5 are sequence numbers 4 and 5, outside b's 2:* of then.
	c.exchange("n1 NOOP", "* 5 EXISTS", `* ESEARCH (TAG "a") UID ADDTO (0 4)`, "n1 OK NOOP completed")
	d.ok(`t UID STORE 1,3 +FLAGS (\Seen)`)
	c.exchange("n2 NOOP",
		`* 1 FETCH (UID 1 FLAGS (\Seen))`,
		`* 3 FETCH (UID 3 FLAGS (\Seen))`,
		`* ESEARCH (TAG "c") UID REMOVEFROM (0 1)`,
		`* ESEARCH (TAG "c2") UID ADDTO (0 3)`,
		"n2 OK NOOP completed")
	d.ok(`t2 UID STORE 3 +FLAGS (\Flagged)`)
	c.exchange("n3 NOOP",
		`* 3 FETCH (UID 3 FLAGS (\Seen \Flagged))`,
		`* ESEARCH (TAG "b") UID REMOVEFROM (0 3)`,
		"n3 OK NOOP completed")
	// Expunged while in the result: REMOVEFROM, then VANISHED or EXPUNGE.
	d.ok(`t3 UID STORE 4 +FLAGS.SILENT (\Deleted)`)
	d.ok("x EXPUNGE")
	c.exchange("n4 NOOP", `* ESEARCH (TAG "a") UID REMOVEFROM (0 4)`, "* 4 EXPUNGE", "n4 OK NOOP completed")
}

// sortContextMails are appended in this order: UIDs 1 to 4, subjects
// that sort them 2, 1, 4, 3.
var sortContextMails = []sortMail{
	{"01-Jan-2020 00:00:00 +0000", []string{"Subject: bravo"}, 10},
	{"02-Jan-2020 00:00:00 +0000", []string{"Subject: alpha"}, 10},
	{"03-Jan-2020 00:00:00 +0000", []string{"Subject: delta"}, 10},
	{"04-Jan-2020 00:00:00 +0000", []string{"Subject: charlie"}, 10},
}

// RFC 5267 §4.3: SORT RETURN (UPDATE) names where in the sorted result
// each change goes; positions count from 1 and each pair applies to the
// result the pairs before it left.
func TestSortContextUpdates(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("e ENABLE IMAP4rev2")
	appendAll(t, c, sortContextMails)
	c.ok("s SELECT INBOX")
	d := env.rawLogin(t, "alice")
	d.ok("e ENABLE IMAP4rev2")
	d.ok("s SELECT INBOX")
	c.exchange("a UID SORT RETURN (UPDATE) (SUBJECT) UTF-8 UNSEEN", `* ESEARCH (TAG "a") UID ALL 2,1,4,3`, "a OK UID SORT completed")
	c.exchange("b SORT RETURN (UPDATE COUNT) (REVERSE SUBJECT) UTF-8 UNSEEN", `* ESEARCH (TAG "b") COUNT 4`, "b OK SORT completed")
	// Taking out the first and third: pair 1 first, then what was
	// third is second.
	d.ok(`t UID STORE 2,4 +FLAGS (\Seen)`)
	c.exchange("n1 NOOP",
		`* 2 FETCH (UID 2 FLAGS (\Seen))`,
		`* 4 FETCH (UID 4 FLAGS (\Seen))`,
		`* ESEARCH (TAG "a") UID REMOVEFROM (1 2 2 4)`,
		`* ESEARCH (TAG "b") REMOVEFROM (2 4 3 2)`,
		"n1 OK NOOP completed")
	// a is now 1,3 (bravo, delta); b is 3,1. Back they come.
	d.ok(`t2 UID STORE 2,4 -FLAGS (\Seen)`)
	c.exchange("n2 NOOP",
		`* 2 FETCH (UID 2 FLAGS ())`,
		`* 4 FETCH (UID 4 FLAGS ())`,
		`* ESEARCH (TAG "a") UID ADDTO (1 2 3 4)`,
		`* ESEARCH (TAG "b") ADDTO (2 4 4 2)`,
		"n2 OK NOOP completed")
	// New mail sorts in among the old, after EXISTS; two new neighbours
	// make one pair, in sort order.
	msgs := []sortMail{
		{"05-Jan-2020 00:00:00 +0000", []string{"Subject: echo"}, 10},
		{"06-Jan-2020 00:00:00 +0000", []string{"Subject: Re: alpha"}, 10},
		{"07-Jan-2020 00:00:00 +0000", []string{"Subject: able"}, 10},
	}
	for _, m := range msgs {
		text := m.text()
		d.ok(`ap APPEND INBOX "` + m.internal + `" {` + itoa(len(text)) + "+}\r\n" + text)
	}
	// a: able(7), alpha(2), alpha(6), bravo(1), charlie(4), delta(3),
	// echo(5); b the reverse but for the alphas, in mailbox order: 6 and
	// 7 are neighbours at the end.
	c.exchange("n3 NOOP",
		"* 7 EXISTS",
		`* ESEARCH (TAG "a") UID ADDTO (1 7 3 6 7 5)`,
		`* ESEARCH (TAG "b") ADDTO (1 5 6 6:7)`,
		"n3 OK NOOP completed")
	// An expunge: REMOVEFROM by the old sequence number, before EXPUNGE.
	d.ok(`t3 UID STORE 1 +FLAGS.SILENT (\Deleted)`)
	d.ok("x EXPUNGE")
	c.exchange("n4 NOOP",
		`* ESEARCH (TAG "a") UID REMOVEFROM (4 1)`,
		`* ESEARCH (TAG "b") REMOVEFROM (4 1)`,
		"* 1 EXPUNGE",
		"n4 OK NOOP completed")
	c.exchange(`cu CANCELUPDATE "a" "b"`, "cu OK CANCELUPDATE completed")
	d.ok(`t4 UID STORE 3 +FLAGS.SILENT (\Seen)`)
	c.exchange("n5 NOOP", `* 2 FETCH (UID 3 FLAGS (\Seen))`, "n5 OK NOOP completed")
}

// Changes come during IDLE too.
func TestSearchContextInIdle(t *testing.T) {
	t.Parallel()
	env, c, d := contextEnv(t)
	c.exchange("a UID SEARCH RETURN (UPDATE MIN) FLAGGED", `* ESEARCH (TAG "a") UID`, "a OK UID SEARCH completed")
	c.send("i IDLE\r\n")
	c.expect("+ ...")
	d.ok(`t UID STORE 3 +FLAGS (\Flagged)`)
	c.expect(`* 3 FETCH (UID 3 FLAGS (\Flagged))`, `* ESEARCH (TAG "a") UID ADDTO (0 3)`)
	env.deliver(t, "alice", testMessage("four", "x"))
	c.expect("* 4 EXISTS")
	c.send("DONE\r\n")
	c.expect("i OK IDLE completed")
}

// Past maxContexts, UPDATE is refused with NOUPDATE and the rest of the
// command answered (RFC 5267 §4.3.1); tags are not reused; CANCELUPDATE
// checks its arguments.
func TestSearchContextLimitsAndBadInput(t *testing.T) {
	t.Parallel()
	env, c, _ := contextEnv(t)
	for i := range maxContexts {
		tag := "k" + itoa(i)
		c.exchange(tag+" UID SEARCH RETURN (UPDATE COUNT) ALL", `* ESEARCH (TAG "`+tag+`") UID COUNT 3`, tag+" OK UID SEARCH completed")
	}
	c.exchange("over UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 ALL",
		`* ESEARCH (TAG "over") UID COUNT 3`,
		`* NO [NOUPDATE "over"] Too many search contexts, at most 10`,
		"over OK UID SORT completed")
	c.exchange("k0 SEARCH RETURN (UPDATE) ALL", "k0 BAD tag k0 already names a search context (RFC 5267 §4.3)")
	c.exchange("k1 SORT RETURN (UPDATE) (DATE) UTF-8 ALL", "k1 BAD tag k1 already names a search context (RFC 5267 §4.3)")
	// Reusing a tag without UPDATE is the client's business.
	c.exchange("k2 SEARCH RETURN (COUNT) ALL", `* ESEARCH (TAG "k2") COUNT 3`, "k2 OK SEARCH completed")
	// CONTEXT alone is a hint: the result as for RETURN (), no context.
	c.exchange("h SEARCH RETURN (CONTEXT) 2:*", `* ESEARCH (TAG "h") ALL 2:3`, "h OK SEARCH completed")
	c.exchange(`x1 CANCELUPDATE "k0" "nope"`, `x1 NO CANCELUPDATE: no search context has tag "nope"`)
	c.exchange("x2 CANCELUPDATE", "x2 BAD ...")
	c.exchange(`x3 CANCELUPDATE "k0" `, "x3 BAD ...")
	c.exchange("x4 SEARCH RETURN (UPDATE BOGUS) ALL", "x4 BAD unknown SEARCH return option BOGUS")
	// k0 was not cancelled by x1: a freed slot comes only from a cancel.
	c.exchange(`x5 CANCELUPDATE "k0" k1`, "x5 OK CANCELUPDATE completed")
	c.exchange("k0 UID SEARCH RETURN (UPDATE COUNT) ALL", `* ESEARCH (TAG "k0") UID COUNT 3`, "k0 OK UID SEARCH completed")
	env.deliver(t, "alice", testMessage("four", "x"))
	lines := c.ok("n NOOP")
	if len(lines) != 1+maxContexts-1 {
		t.Errorf("NOOP: want EXISTS and %d ADDTO, got %q", maxContexts-1, lines)
	}
	// Contexts end with the selection.
	c.ok("u UNSELECT")
	c.exchange(`x6 CANCELUPDATE "k2"`, "x6 BAD CANCELUPDATE: no mailbox selected")
	c.ok("s SELECT INBOX")
	c.exchange(`x7 CANCELUPDATE "k2"`, `x7 NO CANCELUPDATE: no search context has tag "k2"`)
}

// RFC 5465 §5.2 with NOTIFY's SELECTED: new mail comes between commands
// as EXISTS, then the ESEARCH ADDTO, then NOTIFY's FETCH; a flag change
// as its FETCH, then the ESEARCH (§5.1).
func TestSearchContextUnderNotify(t *testing.T) {
	t.Parallel()
	env, c, d := contextEnv(t)
	c.exchange("n NOTIFY SET (selected (MessageNew (uid) MessageExpunge FlagChange))", "n OK NOTIFY completed")
	c.exchange("a SEARCH RETURN (UPDATE COUNT) UNSEEN", `* ESEARCH (TAG "a") COUNT 3`, "a OK SEARCH completed")
	env.deliver(t, "alice", testMessage("four", "x"))
	c.expect("* 4 EXISTS", `* ESEARCH (TAG "a") ADDTO (0 4)`, "* 4 FETCH (UID 4)")
	d.ok(`t UID STORE 2 +FLAGS (\Seen)`)
	c.expect(`* 2 FETCH (UID 2 FLAGS (\Seen))`, `* ESEARCH (TAG "a") REMOVEFROM (0 2)`)
	d.ok(`t2 UID STORE 3 +FLAGS.SILENT (\Deleted)`)
	c.expect(`* 3 FETCH (UID 3 FLAGS (\Deleted))`)
	d.ok("x EXPUNGE")
	c.expect(`* ESEARCH (TAG "a") REMOVEFROM (0 3)`, "* 3 EXPUNGE")
}

// RFC 5465 §7: UPDATE may name fetch attributes, sent for new mail the
// update adds, after its ADDTO (§5.2); not for a message a flag change
// adds, and nothing that would set \Seen.
func TestSearchContextUpdateFetch(t *testing.T) {
	t.Parallel()
	env, c, d := contextEnv(t)
	c.exchange("a UID SEARCH RETURN (COUNT UPDATE (UID BODY.PEEK[HEADER.FIELDS (Subject)])) UNFLAGGED SUBJECT news",
		`* ESEARCH (TAG "a") UID COUNT 0`, "a OK UID SEARCH completed")
	env.deliver(t, "alice", testMessage("news today", "x"))
	c.exchange("n1 NOOP",
		"* 4 EXISTS",
		`* ESEARCH (TAG "a") UID ADDTO (0 4)`,
		"* 4 FETCH (UID 4 BODY[HEADER.FIELDS (Subject)] {23}\r\nSubject: news today\r\n\r\n)",
		"n1 OK NOOP completed")
	d.ok("dn NOOP")
	d.ok(`t UID STORE 4 +FLAGS (\Flagged)`)
	c.exchange("n2 NOOP",
		`* 4 FETCH (UID 4 FLAGS (\Flagged))`,
		`* ESEARCH (TAG "a") UID REMOVEFROM (0 4)`,
		"n2 OK NOOP completed")
	d.ok(`t2 UID STORE 4 -FLAGS (\Flagged)`)
	c.exchange("n3 NOOP",
		`* 4 FETCH (UID 4 FLAGS ())`,
		`* ESEARCH (TAG "a") UID ADDTO (0 4)`,
		"n3 OK NOOP completed")
	c.exchange("b SEARCH RETURN (UPDATE (BODY[])) ALL", `b BAD SEARCH: UPDATE fetch attribute BODY[] would set \Seen; use BODY.PEEK`)
	c.expectTagged("b2 SORT RETURN (UPDATE (UID) (DATE) UTF-8 ALL", "BAD")
	c.expectTagged("b3 SEARCH RETURN (UPDATE ()) ALL", "BAD")
}
