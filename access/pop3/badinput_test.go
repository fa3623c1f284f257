package pop3

import (
	"strings"
	"testing"
)

// Malformed commands get -ERR naming the problem, and the session goes
// on: the next command is answered as usual.
func TestBadInput(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	c := dial(t, addr)
	for _, tc := range []struct{ cmd, want string }{
		{"", "-ERR Bad command: empty command"},
		{"FROB", "-ERR Unknown command FROB"},
		{"LISTEN", "-ERR Unknown command LISTEN"},
		{"RETR1", "-ERR Bad command: malformed command keyword"},
		{"ÜSER alice", "-ERR Bad command: malformed command keyword"},
		{"USER a\x00b", "-ERR Bad command: control characters in command"},
		{"USER  alice", "-ERR Bad command: arguments must be separated by one space"},
		{"USER " + strings.Repeat("a", 41), "-ERR Bad command: argument too long"},
		{"USER a b", "-ERR Wrong number of arguments to USER"},
		{"NOOP x", "-ERR NOOP is not allowed before login"},
		{"QUIT now", "-ERR Wrong number of arguments to QUIT"},
		{"CAPA 1 2 3 4 5", "-ERR Bad command: too many arguments"},
		{strings.Repeat("X", maxLine+10), "-ERR Line too long"},
	} {
		c.expect(tc.cmd, tc.want)
	}
	c.login("alice")
	for _, tc := range []struct{ cmd, want string }{
		{"RETR", "-ERR Wrong number of arguments to RETR"},
		{"RETR 0", "-ERR No such message"},
		{"RETR 2", "-ERR No such message"},
		{"RETR -1", "-ERR No such message"},
		{"RETR +1", "-ERR No such message"},
		{"RETR 0x1", "-ERR No such message"},
		{"RETR 99999999999999999999", "-ERR No such message"},
		{"LIST one", "-ERR No such message"},
		{"TOP 1", "-ERR Wrong number of arguments to TOP"},
		{"TOP 1 -1", "-ERR The line count must be a number of zero or more"},
		{"TOP 1 x", "-ERR The line count must be a number of zero or more"},
		{"DELE 1 2", "-ERR Wrong number of arguments to DELE"},
		{"STLS", "-ERR STLS is not allowed after login"},
		{"AUTH PLAIN", "-ERR AUTH is not allowed after login"},
	} {
		c.expect(tc.cmd, tc.want)
	}
	// A huge line count is the whole message.
	c.expectMulti("TOP 1 99999999999999", "+OK Top of message 1 follows",
		"From: a@example.org", "Subject: one", "", "first line", ".dotted line", "third line")
	c.expect("STAT", "+OK 1 75")
}

// A line that never ends is dropped, then the connection (it would
// otherwise be read forever).
func TestEndlessLineEndsTheConnection(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, nil)
	c := dial(t, addr)
	go func() {
		chunk := []byte(strings.Repeat("A", 64<<10))
		for range 16 {
			if _, err := c.conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	c.closed()
}

// Pipelined commands (RFC 2449 §6.6) are answered in order.
func TestPipelining(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, msg2)
	c := dial(t, addr)
	c.send("USER alice\r\nPASS secret\r\nSTAT\r\nLIST 2\r\nDELE 1\r\nQUIT")
	for _, want := range []string{"+OK Send PASS", "+OK Mailbox locked and ready: 2 messages (119 octets)",
		"+OK 2 119", "+OK 2 44", "+OK Message 1 deleted", "+OK pop.test chapar POP3 server signing off (1 message left)"} {
		if got := c.read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	c.closed()
}
