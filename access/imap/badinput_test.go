package imap

import (
	"strings"
	"testing"
)

func TestMalformedCommandsAreBAD(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	for _, line := range []string{
		"a FROB",
		"a SELECT",
		"a SELECT INBOX extra",
		"a LOGIN",
		"a FETCH",
		"a FETCH 1",
		"a FETCH 0 FLAGS",
		"a FETCH 1: FLAGS",
		"a FETCH 1 (FLAGS",
		"a FETCH 1 BODY[",
		"a FETCH 1 BODY[]<1.0>",
		"a FETCH 1 BODY[HEADER.FIELDS ()]",
		"a STORE 1 +FLAGS (\\Seen",
		`a SEARCH HEADER "unterminated`,
		"a SEARCH OR SEEN",
		"a SEARCH (",
		"a SEARCH NOT",
		"a UID",
		"a UID FROB 1",
		"a LIST",
		`a LIST "" "*" RETURN`,
		"a STATUS INBOX ()",
		"a COPY 1",
		"a CREATE INBOX (USE (\\Bogus",
		"a ENABLE",
		"a ID (\"a\")",
		"a NOOP extra",
		"a CAPABILITY 1",
		"a SELECT \"bad\\q\"",
		"a SELECT {x}",
		"a APPEND INBOX",
		"a APPEND INBOX (\\Seen)",
	} {
		out := c.cmd(line)
		if last := out[len(out)-1]; !strings.HasPrefix(last, "a BAD ") {
			t.Errorf("%q: %q", line, out)
		}
	}
	for _, line := range []string{"", " ", "+ x", "*", "a\x00 NOOP"} {
		c.send(line + "\r\n")
		if l := c.line(); !strings.HasPrefix(l, "* BAD") && !strings.HasPrefix(l, "a BAD") {
			t.Errorf("%q: %q", line, l)
		}
	}
	// The session is fine afterwards.
	c.ok("z NOOP")
}

func TestWrongStateCommands(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	for _, line := range []string{"a SELECT INBOX", "a LIST \"\" *", "a FETCH 1 FLAGS", "a IDLE", "a ENABLE IMAP4rev2", "a APPEND INBOX {1+}\r\nx"} {
		out := c.cmd(line)
		last := out[len(out)-1]
		if !strings.HasPrefix(last, "a BAD") && !strings.HasPrefix(last, "a NO") {
			t.Errorf("not authenticated, %q: %q", line, out)
		}
	}
	c.ok("l LOGIN alice pw")
	for _, line := range []string{"a FETCH 1 FLAGS", "a STORE 1 FLAGS ()", "a EXPUNGE", "a CLOSE", "a UNSELECT", "a SEARCH ALL", "a LOGIN alice pw", "a AUTHENTICATE PLAIN", "a STARTTLS"} {
		out := c.cmd(line)
		if last := out[len(out)-1]; !strings.HasPrefix(last, "a BAD") && !strings.HasPrefix(last, "a NO") {
			t.Errorf("authenticated, %q: %q", line, out)
		}
	}
	c.ok("s SELECT INBOX")
	c.exchange("b ENABLE UTF8=ACCEPT", "b BAD ...")
	c.ok("z LOGOUT")
}

func TestLongLineAndLiteralLimits(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.exchange("a NOOP "+strings.Repeat("x", 70<<10), "a BAD line too long...")
	// An over-long line that announces a non-synchronizing literal: the
	// literal is skipped, not taken for commands.
	c.exchange("b SELECT "+strings.Repeat("y", 70<<10)+" {10+}\r\nc LOGOUT\r\n", "b BAD line too long...")
	c.exchange("d NOOP", "d OK NOOP completed")
	// A synchronizing literal bigger than a string may be is refused
	// without "+".
	c.exchange("e SELECT {100000}", "e BAD ...")
	// A non-synchronizing one is skipped.
	c.exchange("f SELECT {100000+}\r\n"+strings.Repeat("z", 100000), "f BAD ...")
	c.exchange("g NOOP", "g OK NOOP completed")
	// A BAD before a non-synchronizing literal skips it too.
	c.exchange("h FROB {10+}\r\nj LOGOUT\r\n", "h BAD ...")
	c.exchange("i NOOP", "i OK NOOP completed")
}

func TestPipelinedCommandsAnsweredInOrder(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	c := env.rawLogin(t, "alice")
	c.send("p1 SELECT INBOX\r\np2 FETCH 1:3 UID\r\np3 STORE 1 +FLAGS (\\Seen)\r\np4 FROB\r\np5 SEARCH SEEN\r\np6 NOOP\r\n")
	out := c.until("p6")
	var tags []string
	for _, l := range out {
		if strings.HasPrefix(l, "p") {
			tags = append(tags, l[:2])
		}
	}
	if strings.Join(tags, ",") != "p1,p2,p3,p4,p5,p6" {
		t.Errorf("order %v in %q", tags, out)
	}
	has(t, out, "p4 BAD", "* SEARCH 1")
}

func TestPanicInHandlerIsContained(t *testing.T) {
	t.Parallel()
	// The command table is fixed, so the panic comes from a handler's
	// dependency: the password check, for one user name.
	env := newTestEnv(t, func(cfg *Config) {
		st := cfg.Store
		cfg.Authenticate = func(user, pass string) (bool, error) {
			if user == "boom" {
				panic("boom")
			}
			return st.Authenticate(user, pass)
		}
	})
	c := env.raw(t)
	c.send("a LOGIN boom pw\r\n")
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("panic answered %q", l)
	}
	// The server lives on.
	env.rawLogin(t, "alice").ok("b NOOP")
}
