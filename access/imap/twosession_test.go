package imap

import (
	"strings"
	"testing"
)

// Two sessions on one mailbox see each other's flags, expunges and
// appends, each with sequence numbers that stay right.
func TestTwoSessionsOneMailbox(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 4; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	a.ok("a1 SELECT INBOX")
	b.ok("b1 SELECT INBOX")

	// Flags: A changes, B hears at its next command.
	a.ok(`a2 STORE 2 +FLAGS (\Flagged $Important)`)
	has(t, b.ok("b2 NOOP"), `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Important)`, `* 2 FETCH (UID 2 FLAGS (\Flagged $Important))`)

	// Expunge: B removes message 1; A, in the middle of a FETCH by
	// sequence number, must not hear of it yet (RFC 9051 §7.5.1)...
	b.ok(`b2b STORE 2 -FLAGS.SILENT ($Important)`)
	has(t, a.ok("a2b NOOP"), `* 2 FETCH (UID 2 FLAGS (\Flagged))`)
	b.ok(`b3 STORE 1 +FLAGS.SILENT (\Deleted)`)
	has(t, b.ok("b4 EXPUNGE"), "* 1 EXPUNGE")
	out := a.ok("a3 FETCH 1:* (UID)")
	for _, l := range out {
		if strings.Contains(l, "EXPUNGE") {
			t.Fatalf("EXPUNGE during FETCH: %q", out)
		}
	}
	has(t, out, "* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)")
	// ... but hears at NOOP, and numbers shift with it.
	out = a.ok("a4 NOOP")
	has(t, out, "* 1 EXPUNGE")
	has(t, a.ok("a5 FETCH 1 UID"), "* 1 FETCH (UID 2)")

	// Append: B appends, A hears EXISTS; delivery by LMTP likewise.
	msg := testMessage("new", "y")
	has(t, b.cmd("b5 APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg), "* 4 EXISTS", "b5 OK")
	has(t, a.ok("a6 NOOP"), "* 4 EXISTS")
	uid := env.deliver(t, "alice", testMessage("lmtp", "z"))
	has(t, a.ok("a7 NOOP"), "* 5 EXISTS")
	has(t, b.ok("b6 NOOP"), "* 5 EXISTS")
	has(t, a.ok("a8 FETCH 5 UID"), "* 5 FETCH (UID "+itoa(int(uid))+")")

	// UID commands may see expunges at once.
	b.ok(`b7 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b8 EXPUNGE")
	has(t, a.ok("a9 UID FETCH 1:* UID"), "* 1 EXPUNGE")

	// The views agree.
	fa := a.ok("a10 FETCH 1:* (UID FLAGS)")
	fb := b.ok("b9 FETCH 1:* (UID FLAGS)")
	if strings.Join(fa, "|") != strings.Join(fb, "|") {
		t.Errorf("views differ:\n%q\n%q", fa, fb)
	}
}

func TestExpungeHeldDuringStoreAndSearch(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	a.ok("a1 SELECT INBOX")
	b.ok("b1 SELECT INBOX")
	b.ok(`b2 STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.ok("b3 EXPUNGE")
	for _, cmd := range []string{`a2 STORE 3 +FLAGS (\Seen)`, "a3 SEARCH ALL"} {
		for _, l := range a.ok(cmd) {
			if strings.Contains(l, "EXPUNGE") {
				t.Errorf("%s sent %q", cmd, l)
			}
		}
	}
	// Message 2 is still there for A: STORE on it is harmless.
	a.ok(`a4 STORE 2 +FLAGS (\Seen)`)
	has(t, a.ok("a5 CHECK"), "* 2 EXPUNGE")
	has(t, a.ok("a6 FETCH 2 (UID FLAGS)"), `* 2 FETCH (UID 3 FLAGS (\Seen))`)
}
