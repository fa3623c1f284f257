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
	env.seenElsewhere(t, "user.alice")
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	a.ok("a1 SELECT INBOX")
	b.ok("b1 SELECT INBOX")

	// Flags: A changes, B hears at its next command.
	a.ok(`a2 STORE 2 +FLAGS (\Flagged $Important)`)
	b.exchange("b2 NOOP", `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Important)`, `* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Important \*)] Flags permitted`, `* 2 FETCH (UID 2 FLAGS (\Flagged $Important))`, "b2 OK NOOP completed")

	// Expunge: B removes message 1; A, in the middle of a FETCH by
	// sequence number, must not hear of it yet (RFC 9051 §7.5.1)...
	b.ok(`b2b STORE 2 -FLAGS.SILENT ($Important)`)
	a.exchange("a2b NOOP", `* 2 FETCH (UID 2 FLAGS (\Flagged))`, "a2b OK NOOP completed")
	b.ok(`b3 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.exchange("b4 EXPUNGE", "* 1 EXPUNGE", "b4 OK EXPUNGE completed")
	out := a.exchange("a3 FETCH 1:* (UID)", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)", "a3 OK FETCH completed")
	for _, l := range out {
		if strings.Contains(l, "EXPUNGE") {
			t.Fatalf("EXPUNGE during FETCH: %q", out)
		}
	}
	// ... but hears at NOOP, and numbers shift with it.
	a.exchange("a4 NOOP", "* 1 EXPUNGE", "a4 OK NOOP completed")
	a.exchange("a5 FETCH 1 UID", "* 1 FETCH (UID 2)", "a5 OK FETCH completed")

	// Append: B appends, A hears EXISTS; delivery by LMTP likewise. These
	// sessions speak IMAP4rev1, so RECENT comes too, and a new message is
	// \Recent to the one session that hears of it first (RFC 3501
	// §2.3.2): B's own append to B, the delivery to A.
	msg := testMessage("new", "y")
	b.exchange("b5 APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg, "* 4 EXISTS", "* 1 RECENT", "b5 OK [APPENDUID ...")
	a.exchange("a6 NOOP", "* 4 EXISTS", "* 0 RECENT", "a6 OK NOOP completed")
	uid := env.deliver(t, "alice", testMessage("lmtp", "z"))
	a.exchange("a7 NOOP", "* 5 EXISTS", "* 1 RECENT", "a7 OK NOOP completed")
	b.exchange("b6 NOOP", "* 5 EXISTS", "* 1 RECENT", "b6 OK NOOP completed")
	a.exchange("a7b FETCH 4:5 FLAGS", "* 4 FETCH (FLAGS ())", `* 5 FETCH (FLAGS (\Recent))`, "a7b OK FETCH completed")
	b.exchange("b6b FETCH 4:5 FLAGS", `* 4 FETCH (FLAGS (\Recent))`, "* 5 FETCH (FLAGS ())", "b6b OK FETCH completed")
	a.exchange("a8 FETCH 5 UID", "* 5 FETCH (UID "+itoa(int(uid))+")", "a8 OK FETCH completed")

	// UID commands may see expunges at once: this one ends with it.
	b.ok(`b7 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b8 EXPUNGE")
	a.exchange("a9 UID FETCH 1:* UID", "* 1 FETCH (UID 2)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)",
		"* 4 FETCH (UID 5)", "* 5 FETCH (UID 6)", "* 1 EXPUNGE", "a9 OK UID FETCH completed")

	// The views agree, but for \Recent.
	fa := a.ok("a10 FETCH 1:* (UID FLAGS)")
	fb := b.ok("b9 FETCH 1:* (UID FLAGS)")
	noRecent := strings.NewReplacer(` \Recent`, "", `\Recent`, "")
	if noRecent.Replace(strings.Join(fa, "|")) != noRecent.Replace(strings.Join(fb, "|")) {
		t.Errorf("views differ:\n%q\n%q", fa, fb)
	}
}

func TestExpungeHeldDuringStoreAndSearch(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	env.seenElsewhere(t, "user.alice")
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	a.ok("a1 SELECT INBOX")
	b.ok("b1 SELECT INBOX")
	b.ok(`b2 STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.ok("b3 EXPUNGE")
	a.exchange(`a2 STORE 3 +FLAGS (\Seen)`, `* 3 FETCH (FLAGS (\Seen))`, "a2 OK STORE completed")
	// SEARCH leaves the expunged message out, without announcing it.
	a.exchange("a3 SEARCH ALL", "* SEARCH 1 3", "a3 OK SEARCH completed")
	// Message 2 is still there for A: STORE on it is harmless.
	a.ok(`a4 STORE 2 +FLAGS (\Seen)`)
	a.exchange("a5 CHECK", "* 2 EXPUNGE", "a5 OK CHECK completed")
	a.exchange("a6 FETCH 2 (UID FLAGS)", `* 2 FETCH (UID 3 FLAGS (\Seen))`, "a6 OK FETCH completed")
}
