package imap

import (
	"os/exec"
	"strings"
	"testing"
)

// seenElsewhere claims \Recent on every message now in mailbox, as a
// session that selected it earlier would have: tests about other things
// then read transcripts without \Recent.
func (e *testEnv) seenElsewhere(t testing.TB, mailbox string) {
	t.Helper()
	mb, err := e.store.GetMailbox(mailbox)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.store.Status(mb)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.ClaimRecent(mb, st.UIDNext); err != nil {
		t.Fatal(err)
	}
}

// TestRecentBelongsToOneSession follows two new messages from delivery to
// the first SELECT (RFC 3501 §2.3.2): STATUS and EXAMINE count them
// without taking them, the first SELECT takes them, a second SELECT finds
// none, and mail arriving while both are selected goes to the session
// that hears of it first.
func TestRecentBelongsToOneSession(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("one", "1"))
	env.deliver(t, "alice", testMessage("two", "2"))
	x := env.rawLogin(t, "alice")
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")

	x.exchange("x1 STATUS INBOX (RECENT MESSAGES)", "* STATUS INBOX (RECENT 2 MESSAGES 2)", "x1 OK STATUS completed")
	has(t, x.ok("x2 EXAMINE INBOX"), "* 2 RECENT")
	x.exchange("x3 FETCH 1:2 FLAGS", `* 1 FETCH (FLAGS (\Recent))`, `* 2 FETCH (FLAGS (\Recent))`, "x3 OK FETCH completed")
	x.ok("x4 CLOSE")
	x.exchange("x5 STATUS INBOX (RECENT)", "* STATUS INBOX (RECENT 2)", "x5 OK STATUS completed")

	has(t, a.ok("a1 SELECT INBOX"), "* 2 RECENT")
	a.exchange("a2 SEARCH RECENT", "* SEARCH 1 2", "a2 OK SEARCH completed")
	a.ok(`a3 STORE 1 +FLAGS.SILENT (\Seen)`)
	a.exchange("a4 SEARCH NEW", "* SEARCH 2", "a4 OK SEARCH completed")
	a.exchange("a5 SEARCH OLD", "* SEARCH", "a5 OK SEARCH completed")
	a.exchange("a6 STATUS INBOX (RECENT)", "* STATUS INBOX (RECENT 2)", "a6 OK STATUS completed")
	x.exchange("x6 STATUS INBOX (RECENT)", "* STATUS INBOX (RECENT 0)", "x6 OK STATUS completed")

	has(t, b.ok("b1 SELECT INBOX"), "* 0 RECENT")
	b.exchange("b2 SEARCH RECENT", "* SEARCH", "b2 OK SEARCH completed")
	b.exchange("b3 SEARCH OLD", "* SEARCH 1 2", "b3 OK SEARCH completed")
	b.exchange("b4 FETCH 1:2 FLAGS", `* 1 FETCH (FLAGS (\Seen))`, "* 2 FETCH (FLAGS ())", "b4 OK FETCH completed")

	// New mail while both are selected: B hears first and keeps it.
	env.deliver(t, "alice", testMessage("three", "3"))
	b.exchange("b5 NOOP", "* 3 EXISTS", "* 1 RECENT", "b5 OK NOOP completed")
	a.exchange("a7 NOOP", "* 3 EXISTS", "* 2 RECENT", "a7 OK NOOP completed")
	a.exchange("a8 FETCH 3 FLAGS", "* 3 FETCH (FLAGS ())", "a8 OK FETCH completed")
	b.exchange("b6 FETCH 3 FLAGS", `* 3 FETCH (FLAGS (\Recent))`, "b6 OK FETCH completed")
	// \Recent is the server's alone to set (RFC 3501 §2.3.2).
	b.expectTagged(`b7 STORE 1 +FLAGS (\Recent)`, "BAD")
}

// TestRecentAcrossArrivalAndExpunge: when one update brings a new message
// and takes away a recent one, the client is told the count that results,
// whether the EXPUNGE waits (during FETCH, RFC 9051 §7.5.1) or not.
func TestRecentAcrossArrivalAndExpunge(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := range 3 {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	has(t, a.ok("a1 SELECT INBOX"), "* 3 EXISTS", "* 3 RECENT")
	b.ok("b1 SELECT INBOX")

	// Together, EXPUNGE allowed: the count after both.
	b.ok(`b2 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b3 EXPUNGE")
	env.deliver(t, "alice", testMessage("new", "y"))
	a.exchange("a2 NOOP", "* 1 EXPUNGE", "* 3 EXISTS", "* 3 RECENT", "a2 OK NOOP completed")

	// Together, EXPUNGE held by FETCH: the expunged message still counts
	// until its EXPUNGE, and RECENT is restated after it.
	b.ok("b4 NOOP")
	b.ok(`b5 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.ok("b6 EXPUNGE")
	env.deliver(t, "alice", testMessage("newer", "z"))
	a.exchange("a3 FETCH 1 UID", "* 1 FETCH (UID 2)", "* 4 EXISTS", "* 4 RECENT", "a3 OK FETCH completed")
	a.exchange("a4 NOOP", "* 1 EXPUNGE", "* 3 RECENT", "a4 OK NOOP completed")
	a.exchange("a5 SEARCH RECENT", "* SEARCH 1 2 3", "a5 OK SEARCH completed")
	b.exchange("b7 SEARCH RECENT", "* SEARCH", "* 3 EXISTS", "* 0 RECENT", "b7 OK SEARCH completed")
}

// TestRecentWithPythonImaplib checks STATUS (RECENT) and SELECT's RECENT
// with Python's imaplib, as a mail checker (mutt -Z, biff-like tools)
// would: new mail is recent until a session selects the mailbox.
func TestRecentWithPythonImaplib(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the imaplib RECENT check needs it")
	}
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	env.deliver(t, "alice", testMessage("second", "text two"))
	out, err := exec.Command(py, "-c", pythonRecent, port(env.addr)).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("python: %v\n%s", err, out)
	}
}

const pythonRecent = `
import imaplib, sys

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)

checker = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
checker.login("alice", "pw")
typ, data = checker.status("INBOX", "(MESSAGES RECENT UNSEEN)")
check(typ == "OK" and b"RECENT 2" in data[0] and b"MESSAGES 2" in data[0], "status before select %r" % data)

reader = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
reader.login("alice", "pw")
typ, data = reader.select("INBOX")
check(typ == "OK", "select %r" % data)
typ, data = reader.response("RECENT")
check(data == [b"2"], "RECENT at select %r" % data)
typ, data = reader.search(None, "NEW")
check(data == [b"1 2"], "search new %r" % data)

typ, data = checker.status("INBOX", "(RECENT)")
check(b"RECENT 0" in data[0], "status after select %r" % data)
typ, data = checker.select("INBOX")
typ, data = checker.response("RECENT")
check(data == [b"0"], "RECENT at second select %r" % data)
typ, data = checker.search(None, "RECENT")
check(data == [b""], "search recent in second session %r" % data)
reader.logout()
checker.logout()
print("DONE", flush=True)
`

func TestRecentSetHas(t *testing.T) {
	t.Parallel()
	var r recentSet
	r.add(3, 5)
	r.add(5, 7) // merges
	r.add(9, 10)
	r.add(12, 12) // empty
	if len(r.ranges) != 2 {
		t.Fatalf("ranges %v, want two", r.ranges)
	}
	for uid, want := range map[uint32]bool{1: false, 2: false, 3: true, 6: true, 7: false, 8: false, 9: true, 10: false, 12: false} {
		if r.has(uid) != want {
			t.Errorf("has(%d) = %v in %v", uid, !want, r.ranges)
		}
	}
}
