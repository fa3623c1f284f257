package imap

import (
	"strings"
	"testing"

	"chapar/store"
)

// selectLines is what SELECT INBOX (EXAMINE with readOnly) answers an
// IMAP4rev2 session before its resynchronisation: the counters, then the
// lines resync adds.
func selectLines(exists, uidValidity, uidNext int, readOnly bool, resync ...string) []string {
	perm := `* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted`
	if readOnly {
		perm = "* OK [PERMANENTFLAGS ()] Read-only mailbox"
	}
	out := []string{
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		perm,
		"* " + itoa(exists) + " EXISTS",
		"* OK [UIDVALIDITY " + itoa(uidValidity) + "] UIDs valid",
		"* OK [UIDNEXT " + itoa(uidNext) + "] Predicted next UID",
		"* OK [HIGHESTMODSEQ ...",
		"* OK [MAILBOXID (F...",
		`* LIST () "/" INBOX`,
	}
	return append(out, resync...)
}

// A Thunderbird-like resynchronisation: session A caches the mailbox and
// goes away; session B flags, expunges, and a message arrives; A comes
// back with what it knew and hears exactly what changed.
func TestQResyncThunderbirdLike(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 1; i <= 5; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	inbox, err := env.store.GetMailbox(store.UserInbox("alice"))
	if err != nil {
		t.Fatal(err)
	}
	uv := int(inbox.UIDValidity)

	a := env.rawLogin(t, "alice")
	a.exchange("a1 ENABLE QRESYNC IMAP4rev2", "* ENABLED QRESYNC IMAP4rev2", "a1 OK ENABLE completed")
	out := a.exchange("a2 SELECT INBOX", append(selectLines(5, uv, 6, false), "a2 OK [READ-WRITE] SELECT completed")...)
	known := modseqOf(t, out, "* OK [HIGHESTMODSEQ ")
	a.ok("a3 UID FETCH 1:* (FLAGS)")
	a.ok("a4 LOGOUT")

	b := env.rawLogin(t, "alice")
	b.ok("b1 SELECT INBOX")
	b.ok(`b2 STORE 2 +FLAGS.SILENT (\Seen)`)
	b.ok(`b3 STORE 3:4 +FLAGS.SILENT (\Deleted)`)
	b.ok("b4 EXPUNGE")
	env.deliver(t, "alice", testMessage("m6", "y"))
	b.ok("b5 NOOP")

	a = env.rawLogin(t, "alice")
	a.exchange("c1 ENABLE QRESYNC IMAP4rev2", "* ENABLED QRESYNC IMAP4rev2", "c1 OK ENABLE completed")
	out = a.exchange("c2 SELECT INBOX (QRESYNC ("+itoa(uv)+" "+u64(known)+" 1:5))", append(selectLines(4, uv, 7, false,
		"* VANISHED (EARLIER) 3:4",
		`* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (...`,
		`* 4 FETCH (UID 6 FLAGS () MODSEQ (...`), "c2 OK [READ-WRITE] SELECT completed")...)
	now := modseqOf(t, out, "* OK [HIGHESTMODSEQ ")
	if m := modseqOf(t, out, "* 2 FETCH"); m <= known || m > now {
		t.Errorf("modseq of the flag change %d, not in (%d, %d]", m, known, now)
	}

	// Known UIDs limit VANISHED; the reselect closes the old mailbox first.
	a.exchange("c3 EXAMINE INBOX (QRESYNC ("+itoa(uv)+" "+u64(known)+" 1:3,5))", append(append([]string{"* OK [CLOSED] Previous mailbox closed"},
		selectLines(4, uv, 7, true, "* VANISHED (EARLIER) 3", `* 2 FETCH (UID 2 FLAGS (\Seen) MODSEQ (...`, `* 4 FETCH (UID 6 FLAGS () MODSEQ (...`)...),
		"c3 OK [READ-ONLY] EXAMINE completed")...)
	// A stale UIDVALIDITY, or a modseq that is current: a plain SELECT.
	a.exchange("c4 SELECT INBOX (QRESYNC (1 "+u64(known)+"))", append(append([]string{"* OK [CLOSED] Previous mailbox closed"},
		selectLines(4, uv, 7, false)...), "c4 OK [READ-WRITE] SELECT completed")...)
	a.exchange("c5 SELECT INBOX (QRESYNC ("+itoa(uv)+" "+u64(now)+" 1:* (1:4 1,2,5,6)))", append(append([]string{"* OK [CLOSED] Previous mailbox closed"},
		selectLines(4, uv, 7, false)...), "c5 OK [READ-WRITE] SELECT completed")...)

	// While selected, another session's expunge comes as VANISHED.
	b.ok(`b6 UID STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b7 EXPUNGE")
	a.exchange("c6 NOOP", "* VANISHED 1", "c6 OK NOOP completed")
	// So does this session's own.
	a.ok(`c7 UID STORE 5 +FLAGS.SILENT (\Deleted)`)
	a.exchange("c8 UID EXPUNGE 5", "* VANISHED 5", "c8 OK UID EXPUNGE completed")

	// UID FETCH with VANISHED: the expunges of the set since the modseq,
	// before the FETCHes of what changed.
	a.exchange("c9 UID FETCH 1:* (FLAGS) (CHANGEDSINCE "+u64(known)+" VANISHED)",
		"* VANISHED (EARLIER) 1,3:5",
		`* 1 FETCH (UID 2 FLAGS (\Seen) MODSEQ (...`,
		`* 2 FETCH (UID 6 FLAGS () MODSEQ (...`,
		"c9 OK UID FETCH completed")
	a.exchange("c10 UID FETCH 2:4 (FLAGS) (VANISHED CHANGEDSINCE "+u64(known)+")",
		"* VANISHED (EARLIER) 3:4",
		`* 1 FETCH (UID 2 FLAGS (\Seen) MODSEQ (...`,
		"c10 OK UID FETCH completed")
}

// QRESYNC's grammar and its preconditions: BAD, never a change.
func TestQResyncBadInput(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("m", "x"))
	c := env.rawLogin(t, "alice")
	c.expectTagged("a1 SELECT INBOX (QRESYNC (1 1))", "BAD")
	c.exchange("a2 ENABLE QRESYNC CONDSTORE", "* ENABLED QRESYNC", "a2 OK ENABLE completed")
	for _, bad := range []string{
		"SELECT INBOX (QRESYNC (0 1))",
		"SELECT INBOX (QRESYNC (1))",
		"SELECT INBOX (QRESYNC (1 x))",
		"SELECT INBOX (QRESYNC (1 1 $))",
		"SELECT INBOX (QRESYNC (1 1 1:2 (1)))",
		"SELECT INBOX (QRESYNC (1 1 (1 2) 3))",
		"SELECT INBOX (QRESYNC (1 1) QRESYNC (1 1))",
		"EXAMINE INBOX (QRESYNC)",
	} {
		out := c.expectTagged("b "+bad, "BAD")
		if len(out) != 1 {
			t.Errorf("%s: %q", bad, out)
		}
	}
	c.ok("c SELECT INBOX")
	for _, bad := range []string{
		"FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)",
		"UID FETCH 1 (FLAGS) (VANISHED)",
		"UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)",
		"UID FETCH 1 (FLAGS) (VANISHED 1)",
	} {
		c.expectTagged("d "+bad, "BAD")
	}
	// Without ENABLE QRESYNC, VANISHED is refused even with CHANGEDSINCE.
	d := env.rawLogin(t, "alice")
	d.ok("e ENABLE CONDSTORE")
	d.ok("f SELECT INBOX")
	d.expectTagged("g UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "BAD")
	if !strings.Contains(strings.Join(d.ok("h CAPABILITY"), " "), " QRESYNC") {
		t.Error("QRESYNC not advertised")
	}
}

// While an expunge is held back (a FETCH by sequence number), a QRESYNC
// client is given a HIGHESTMODSEQ below it, whatever MODSEQs it saw; the
// VANISHED follows at the next command that may carry it.
func TestQResyncHeldExpunge(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 1; i <= 2; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	a := env.rawLogin(t, "alice")
	a.ok("a1 ENABLE QRESYNC IMAP4rev2")
	h0 := modseqOf(t, a.ok("a2 SELECT INBOX"), "* OK [HIGHESTMODSEQ ")
	b := env.rawLogin(t, "alice")
	b.ok("b1 SELECT INBOX")
	b.ok(`b2 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b3 EXPUNGE")
	b.ok(`b4 UID STORE 2 +FLAGS.SILENT (\Flagged)`)
	out := a.exchange("a3 FETCH 1:* (FLAGS)",
		"* 1 FETCH (FLAGS () UID 1 MODSEQ (...",
		"* 2 FETCH (FLAGS () UID 2 MODSEQ (...",
		`* 2 FETCH (UID 2 FLAGS (\Flagged) MODSEQ (...`,
		"* OK [HIGHESTMODSEQ "+u64(h0)+"] Highest",
		"a3 OK FETCH completed")
	if m := modseqOf(t, out, `* 2 FETCH (UID 2 FLAGS (\Flagged)`); m <= h0+2 {
		t.Errorf("the flag change's modseq %d is not above the expunge's", m)
	}
	a.exchange("a4 NOOP", "* VANISHED 1", "a4 OK NOOP completed")
	a.exchange("a5 NOOP", "a5 OK NOOP completed")
}

// In IDLE, a QRESYNC client hears another session's expunge as VANISHED.
func TestQResyncIdleVanished(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 1; i <= 3; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	a := env.rawLogin(t, "alice")
	a.ok("a1 ENABLE QRESYNC IMAP4rev2")
	a.ok("a2 SELECT INBOX")
	b := env.rawLogin(t, "alice")
	b.ok("b1 SELECT INBOX")
	a.send("a3 IDLE\r\n")
	a.expect("+ idling")
	b.ok(`b2 UID STORE 1:2 +FLAGS.SILENT (\Deleted)`)
	a.expect(`* 1 FETCH (UID 1 FLAGS (\Deleted) MODSEQ (...`, `* 2 FETCH (UID 2 FLAGS (\Deleted) MODSEQ (...`)
	b.ok("b3 EXPUNGE")
	a.expect("* VANISHED 1:2")
	a.send("DONE\r\n")
	a.expect("a3 OK IDLE completed")
	a.exchange("a4 FETCH 1 (UID)", "* 1 FETCH (UID 3)", "a4 OK FETCH completed")
}
