package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestConnectionCaps sets small caps: a connection over them is greeted
// with the service's refusal and closed, while the admin socket, never
// capped, still answers the operator.
func TestConnectionCaps(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "imap_maxconnections: 2", "lmtp_maxconnections: 1")
	in.start()
	in.addUser("gus")

	// IMAP: two sessions are served, the third is told BYE.
	dialIMAP(t, in.imapAddr())
	second := dialIMAP(t, in.imapAddr())
	second.cmd("a", "LOGIN gus secret", "a OK")
	if line, _ := firstLine(t, in.imapAddr()); line != "* BYE [UNAVAILABLE] Too many connections" {
		t.Fatalf("third IMAP connection over a cap of 2: %q", line)
	}

	// LMTP: one session is served, the next is told 421 4.3.2.
	line, held := firstLine(t, in.lmtpAddr())
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("first LMTP connection: %q", line)
	}
	if line, _ := firstLine(t, in.lmtpAddr()); line != "421 4.3.2 Too many connections, try later" {
		t.Fatalf("second LMTP connection over a cap of 1: %q", line)
	}

	// The admin socket is not capped.
	if out := in.mustChapar("", "user", "list"); !strings.Contains(out, "gus") {
		t.Fatalf("admin socket while IMAP and LMTP are full: %q", out)
	}

	// A freed LMTP slot serves mail again.
	held.Close()
	testkit.CheckFor(t, 10*time.Second, func() error {
		replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"gus@example.com"}, testMessage("cap@x", "cap"))
		if err != nil {
			return err
		}
		return replies["gus@example.com"]
	})
}

// firstLine connects and reads the server's first line (the greeting, or a
// refusal), leaving the connection open until the test ends.
func firstLine(t *testing.T, addr string) (string, net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line from %s: %v", addr, err)
	}
	return strings.TrimRight(line, "\r\n"), c
}
