package imap

import (
	"strings"
	"testing"
)

// zeroLiteralSearch is a SEARCH that goes on for lines lines through
// zero-length non-synchronizing literals, the way a command grew without
// bound before imap_maxcommandsize: each line is " TEXT {0+}" and the
// empty literal after it lets the next line continue the command.
func zeroLiteralSearch(tag string, lines int) (cmd string, size int) {
	var b strings.Builder
	b.WriteString(tag + " SEARCH")
	for range lines {
		b.WriteString(" TEXT {0+}\r\n")
	}
	b.WriteString(" ALL\r\n")
	return b.String(), b.Len()
}

// A command past MaxCommandSize is refused with BAD and the rest of it is
// skipped unparsed (the server's skipped count holds all that came after
// the limit); the session goes on. A command just under the limit works.
func TestCommandSizeLimit(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	env := newTestEnv(t, func(c *Config) { c.MaxCommandSize = limit })
	rc := env.rawLogin(t, "alice")
	rc.ok("s SELECT INBOX")

	under, size := zeroLiteralSearch("u", 1000)
	if size >= limit {
		t.Fatalf("test command of %d bytes is not under %d", size, limit)
	}
	rc.send(under)
	if out := rc.until("u"); !strings.HasPrefix(out[len(out)-1], "u OK") {
		t.Fatalf("command of %d bytes under the limit: %q", size, out)
	}

	over, size := zeroLiteralSearch("o", 40000) // 480 KB, 30 times the limit
	rc.send(over)
	out := rc.until("o")
	if last := out[len(out)-1]; !strings.HasPrefix(last, "o BAD ") || !strings.Contains(last, "exceeds the limit") {
		t.Fatalf("command of %d bytes over the limit of %d: %q", size, limit, out)
	}
	// What came after the limit was skipped, not parsed: all of it but
	// the first limit bytes (and a line's worth of slack).
	if skipped := env.srv.skipped.Load(); skipped < int64(size-limit-64) {
		t.Errorf("skipped %d bytes of a %d-byte command over a %d-byte limit", skipped, size, limit)
	}
	rc.ok("n NOOP")
}

// APPEND's messages do not count toward the limit: a message many times
// its size still goes in. A MULTIAPPEND whose lines (flags) take it over
// the limit is refused with NO [TOOBIG] (RFC 7889, RFC 9051 §7.1) and
// stores nothing.
func TestCommandSizeLimitAppend(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	env := newTestEnv(t, func(c *Config) { c.MaxCommandSize = limit })
	rc := env.rawLogin(t, "alice")

	msg := testMessage("big", strings.Repeat("0123456789abcdef", 8<<10)) // 128 KiB
	rc.send("a APPEND INBOX {" + itoa(len(msg)) + "+}\r\n" + msg + "\r\n")
	if out := rc.until("a"); !strings.HasPrefix(out[len(out)-1], "a OK") {
		t.Fatalf("APPEND of %d bytes: %q", len(msg), out)
	}

	var b strings.Builder
	b.WriteString("m APPEND INBOX")
	flags := "(" + strings.TrimSpace(strings.Repeat(" $Label"+strings.Repeat("x", 100), 8)) + ")"
	small := testMessage("small", "hi")
	for range 40 { // 40 lines of about 850 bytes each: twice the limit
		b.WriteString(" " + flags + " {" + itoa(len(small)) + "+}\r\n" + small)
	}
	b.WriteString("\r\n")
	rc.send(b.String())
	out := rc.until("m")
	if last := out[len(out)-1]; !strings.HasPrefix(last, "m NO [TOOBIG] ") {
		t.Fatalf("MULTIAPPEND over the limit: %q", out)
	}
	has(t, rc.ok("s STATUS INBOX (MESSAGES)"), "MESSAGES 1")
}
