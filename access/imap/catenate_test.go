package imap

import (
	"strings"
	"testing"
)

// RFC 4469 against the real server: a message put together from TEXT
// literals, a whole message and a section by URL, relative and absolute;
// every bad URL answered NO [BADURL], the same whether the message is
// missing or the mailbox hidden.
func TestCatenateTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	env.deliver(t, "bob", testMessage("secret", "bob only"))
	a := env.rawLogin(t, "alice")
	out := a.ok("s1 STATUS INBOX (UIDVALIDITY)")
	uv := strings.TrimSuffix(strings.TrimPrefix(out[0], "* STATUS INBOX (UIDVALIDITY "), ")")
	a.ok("c1 CREATE Drafts")
	a.send("a1 APPEND Drafts (\\Draft) CATENATE (TEXT {22+}\r\nSubject: forwarded\r\n\r\n URL \"/INBOX;UIDVALIDITY=" + uv + "/;UID=1/;SECTION=TEXT\" TEXT {8}\r\n")
	if l := a.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("continuation: %q", l)
	}
	a.send("-- end\r\n URL imap://alice@localhost/INBOX/;UID=1/;PARTIAL=0.4)\r\n")
	if out := a.until("a1"); !transcriptMatches(out, []string{"a1 OK [APPENDUID ..."}) {
		t.Fatalf("append: %q", out)
	}
	a.ok("s2 SELECT Drafts")
	a.exchange("f1 FETCH 1 (BODY.PEEK[])",
		"* 1 FETCH (BODY[] {44}\r\nSubject: forwarded\r\n\r\ntext one\r\n-- end\r\nFrom)",
		"f1 OK FETCH completed")
	for _, c := range []struct{ url, why string }{
		{"/INBOX/;UID=9", "no such message, or not readable"},
		{"/INBOX;UIDVALIDITY=1/;UID=1", "no such message, or not readable"},
		{`"/Other Users/bob/;UID=1"`, "no such message, or not readable"},
		{"/Nowhere/;UID=1", "no such message, or not readable"},
		{"/INBOX/;UID=1/;SECTION=7", "no such message, or not readable"},
		{"/INBOX", "no UID"},
		{"/INBOX/;UID=0", `UID: expected a non-zero number, got "0"`},
		{"/INBOX/;UID=1/;SECTION=BOGUS", "bad SECTION"},
		{"/INBOX/;UID=1/;FOO=1", "unexpected ;FOO"},
		{"mailto:x@y", "not an IMAP URL"},
	} {
		url := strings.Trim(c.url, `"`)
		a.exchange("b1 APPEND Drafts CATENATE (URL "+c.url+")", "b1 NO [BADURL "+url+"] CATENATE: "+c.why)
	}
	a.exchange("b2 APPEND Drafts CATENATE ()", "b2 BAD empty list")
	a.exchange("b3 APPEND Drafts CATENATE (FILE x)", `b3 BAD expected TEXT or URL at "FILE x)"`)
	a.exchange("b4 APPEND Drafts CATENATE (TEXT {0+}\r\n)", "b4 NO CATENATE: empty message")
	a.exchange("n1 NOOP", "n1 OK NOOP completed")
}

// A message built past maxmessagesize is refused TOOBIG, whether its
// TEXT literals or its URLs make it so.
func TestCatenateTooBig(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxMessageSize = 100 })
	env.deliver(t, "alice", testMessage("first", strings.Repeat("x", 60)))
	a := env.rawLogin(t, "alice")
	a.exchange("t1 APPEND INBOX CATENATE (TEXT {101}", "t1 NO [TOOBIG] CATENATE: message exceeds the limit of 100 bytes")
	a.exchange("t2 APPEND INBOX CATENATE (URL /INBOX/;UID=1)", "t2 NO [TOOBIG] CATENATE: message exceeds the limit of 100 bytes")
	a.exchange("t3 APPEND INBOX CATENATE (URL /INBOX/;UID=1/;SECTION=TEXT)", "t3 OK [APPENDUID ...")
}
