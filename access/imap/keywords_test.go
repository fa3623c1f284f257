package imap

import (
	"testing"
)

// TestKeywordAnnouncedBeforeFetch: a keyword another session sets is
// announced in FLAGS and PERMANENTFLAGS before the first FETCH that shows
// it (RFC 3501 §7.2.6), also when that FETCH reads the message from the
// store (a body item) before the session's update runs; a read-only
// session gets FLAGS alone, its PERMANENTFLAGS staying empty.
func TestKeywordAnnouncedBeforeFetch(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("m", "x"))
	env.seenElsewhere(t, "user.alice")
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "alice")
	r := env.rawLogin(t, "alice")
	a.ok("a1 SELECT INBOX")
	b.ok("b1 SELECT INBOX")
	r.ok("r1 EXAMINE INBOX")

	a.ok(`a2 STORE 1 +FLAGS.SILENT ($Label5)`)
	b.exchange("b2 FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label5)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label5 \*)] Flags permitted`,
		"* 1 FETCH (FLAGS ($Label5) BODY[HEADER.FIELDS (Subject)] {14}\r\nSubject: m\r\n\r\n)",
		"b2 OK FETCH completed")
	// Announced once: the update that follows says nothing more.
	b.exchange("b3 NOOP", "b3 OK NOOP completed")
	// The view answers FETCH FLAGS as of the last update; the update
	// after it brings the keyword, FLAGS first.
	r.exchange("r2 FETCH 1 FLAGS",
		"* 1 FETCH (FLAGS ())",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label5)`,
		"* 1 FETCH (UID 1 FLAGS ($Label5))",
		"r2 OK FETCH completed")

	// The session's own STORE announces its new keyword first too.
	a.exchange(`a3 STORE 1 +FLAGS ($Label6)`,
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label5 $Label6)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label5 $Label6 \*)] Flags permitted`,
		"* 1 FETCH (FLAGS ($Label5 $Label6))",
		"a3 OK STORE completed")
}
