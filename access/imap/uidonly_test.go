package imap

import "testing"

// UIDONLY (RFC 9586): UIDFETCH responses without UID items, VANISHED for
// expunges, and BAD [UIDREQUIRED] wherever a message number would be used.
func TestUIDOnlyTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 1; i <= 3; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	c := env.rawLogin(t, "alice")
	c.exchange("a1 ENABLE UIDONLY IMAP4rev2", "* ENABLED UIDONLY IMAP4rev2", "a1 OK ENABLE completed")
	c.ok("a2 CREATE Archive")
	c.ok("a3 SELECT INBOX")
	msg := testMessage("new", "y")
	for _, cmd := range []string{
		"FETCH 1 (FLAGS)",
		`STORE 1 +FLAGS (\Seen)`,
		"SEARCH ALL",
		"COPY 1 Archive",
		"MOVE 1 Archive",
		"REPLACE 1 INBOX {" + itoa(len(msg)) + "+}\r\n" + msg,
		"UID SEARCH 1:2",
		"UID SEARCH OR UID 1 NOT (2)",
	} {
		c.exchange("b "+cmd, "b BAD [UIDREQUIRED] message numbers are not allowed once UIDONLY is enabled")
	}
	c.exchange("c1 UID SEARCH UID 1:2", `* ESEARCH (TAG "c1") UID ALL 1:2`, "c1 OK UID SEARCH completed")
	c.exchange("c2 UID FETCH 2 (FLAGS)", "* 2 UIDFETCH (FLAGS ())", "c2 OK UID FETCH completed")
	c.exchange("c3 UID FETCH 2 (UID FLAGS RFC822.SIZE)", "* 2 UIDFETCH (UID 2 FLAGS () RFC822.SIZE "+itoa(len(testMessage("m2", "x")))+")", "c3 OK UID FETCH completed")
	c.exchange(`c4 UID STORE 2 +FLAGS (\Seen)`, `* 2 UIDFETCH (FLAGS (\Seen))`, "c4 OK UID STORE completed")

	// Another session's changes come by UID too.
	o := env.rawLogin(t, "alice")
	o.ok("o1 SELECT INBOX")
	o.ok(`o2 STORE 3 +FLAGS.SILENT (\Flagged)`)
	c.exchange("c5 NOOP", `* 3 UIDFETCH (FLAGS (\Flagged))`, "c5 OK NOOP completed")
	o.ok(`o3 STORE 1 +FLAGS.SILENT (\Deleted)`)
	o.ok("o4 EXPUNGE")
	c.exchange("c6 NOOP", "* VANISHED 1", "c6 OK NOOP completed")
	c.exchange("c7 UID MOVE 3 Archive", "* OK [COPYUID ...", "* VANISHED 3", "c7 OK UID MOVE completed")
	c.exchange("c8 EXPUNGE", "c8 OK EXPUNGE completed")

	// With QRESYNC: MODSEQ comes, UID still not.
	q := env.rawLogin(t, "alice")
	q.exchange("q1 ENABLE UIDONLY QRESYNC IMAP4rev2", "* ENABLED UIDONLY QRESYNC IMAP4rev2", "q1 OK ENABLE completed")
	q.exchange("q2 SELECT INBOX (QRESYNC (1 1 1:3 (1:2 1,3)))", "q2 BAD [UIDREQUIRED] message numbers are not allowed once UIDONLY is enabled")
	q.ok("q3 SELECT INBOX")
	out := q.exchange("q4 UID FETCH 2 (FLAGS)", `* 2 UIDFETCH (FLAGS (\Seen) MODSEQ (...`, "q4 OK UID FETCH completed")
	m := modseqOf(t, out, "* 2 UIDFETCH")
	out = q.exchange(`q5 UID STORE 2 +FLAGS.SILENT (\Answered)`, "* 2 UIDFETCH (MODSEQ (...", "q5 OK UID STORE completed")
	if n := modseqOf(t, out, "* 2 UIDFETCH"); n <= m {
		t.Errorf("modseq %d after %d", n, m)
	}
	q.exchange("q6 UID FETCH 1:* (FLAGS) (CHANGEDSINCE "+u64(m)+")", `* 2 UIDFETCH (FLAGS (\Seen \Answered) MODSEQ (...`, "q6 OK UID FETCH completed")
}
