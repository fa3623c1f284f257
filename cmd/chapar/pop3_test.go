package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// popConn is a POP3 client for the binary-level tests.
type popConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialPOP3(t *testing.T, in *instance, user string) *popConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", in.pop3Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial POP3: %v", err)
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	t.Cleanup(func() { conn.Close() })
	c := &popConn{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.line(); !strings.HasPrefix(g, "+OK chapar.test chapar POP3 server ready") {
		t.Fatalf("POP3 greeting %q", g)
	}
	c.ok("USER " + user)
	c.ok("PASS secret")
	return c
}

func (c *popConn) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("POP3 read: %v", err)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// ok sends a command whose answer must be +OK, and returns that line.
func (c *popConn) ok(cmd string) string {
	c.t.Helper()
	fmt.Fprintf(c.conn, "%s\r\n", cmd)
	l := c.line()
	if !strings.HasPrefix(l, "+OK") {
		c.t.Fatalf("POP3 %s: %q", strings.Fields(cmd)[0], l)
	}
	return l
}

// multi sends a command with a multi-line answer and returns its lines.
func (c *popConn) multi(cmd string) []string {
	c.t.Helper()
	c.ok(cmd)
	var lines []string
	for l := c.line(); l != "."; l = c.line() {
		lines = append(lines, l)
	}
	return lines
}

func deliverN(t *testing.T, in *instance, user string, n int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("pop%d-%d@example.org", i, time.Now().UnixNano())
		replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{user + "@example.com"}, testMessage(id, fmt.Sprintf("pop %d", i)))
		if err != nil || replies[user+"@example.com"] != nil {
			t.Fatalf("LMTP: %v %v", err, replies)
		}
	}
}

// UIDL is the same after a restart of the server, and after another
// session's DELE, for the messages that stay (RFC 1939 §7).
func TestPOP3UIDLStableAcrossRestart(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "pop3_listen: 127.0.0.1:0")
	in.start()
	in.addUser("alice")
	deliverN(t, in, "alice", 3)

	c := dialPOP3(t, in, "alice")
	before := c.multi("UIDL")
	if len(before) != 3 {
		t.Fatalf("UIDL %q, want 3 messages", before)
	}
	c.ok("DELE 1")
	c.ok("QUIT")

	in.stop()
	in.start()
	c = dialPOP3(t, in, "alice")
	after := c.multi("UIDL")
	var want []string
	for i, l := range before[1:] {
		// The numbers shift up by one; the unique-ids stay.
		want = append(want, fmt.Sprintf("%d %s", i+1, strings.Fields(l)[1]))
	}
	if !slices.Equal(after, want) {
		t.Errorf("UIDL after DELE and restart %q, want %q (before: %q)", after, want, before)
	}
	c.ok("QUIT")
}

// An IMAP session stays open on the maildrop while POP3 logs in, and
// sees POP3's QUIT as EXPUNGE, pushed to it in IDLE.
func TestPOP3DeleSeenByIMAP(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "pop3_listen: 127.0.0.1:0")
	in.start()
	in.addUser("alice")
	deliverN(t, in, "alice", 2)

	im, err := dialIMAPLogin(in, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer im.close()
	if err := im.cmd("SELECT INBOX"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(im.conn, "i1 IDLE\r\n")
	if l, err := im.r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q %v", l, err)
	}

	c := dialPOP3(t, in, "alice")
	if got := c.ok("STAT"); !strings.HasPrefix(got, "+OK 2 ") {
		t.Fatalf("STAT %q", got)
	}
	c.ok("DELE 1")
	c.ok("QUIT")

	for {
		l, err := im.r.ReadString('\n')
		if err != nil {
			t.Fatalf("IMAP in IDLE: %v (no EXPUNGE)", err)
		}
		if strings.TrimSpace(l) == "* 1 EXPUNGE" {
			break
		}
	}
	fmt.Fprintf(im.conn, "DONE\r\n")
	if err := im.answer("i1"); err != nil {
		t.Fatal(err)
	}
	if ex := in.examine("user/alice"); len(ex.Messages) != 1 {
		t.Errorf("mbexamine after POP3's DELE: %d messages, want 1", len(ex.Messages))
	}
}

// POP3S on pop3s_listen: TLS from the first byte with tls_server_cert,
// so CAPA offers no STLS, and the session logs in.
func TestPOP3S(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := writeSelfSigned(dir, cert, key, "chapar.test"); err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, "pop3s_listen: 127.0.0.1:0", "tls_server_cert: "+cert, "tls_server_key: "+key)
	in.start()
	in.addUser("alice")
	deliverN(t, in, "alice", 1)
	addrs, err := listening(filepath.Join(in.dir, "serve.log"), 0)
	if err != nil || addrs["pop3s"] == "" {
		t.Fatalf("no pop3s listener logged (%v):\n%s", err, in.log())
	}
	conn, err := tls.Dial("tcp", addrs["pop3s"], &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := &popConn{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.line(); g != "+OK chapar.test chapar POP3 server ready" {
		t.Fatalf("greeting %q", g)
	}
	caps := c.multi("CAPA")
	if slices.Contains(caps, "STLS") || !slices.Contains(caps, "USER") {
		t.Errorf("CAPA under TLS: %q", caps)
	}
	c.ok("USER alice")
	c.ok("PASS secret")
	if got := c.ok("STAT"); !strings.HasPrefix(got, "+OK 1 ") {
		t.Errorf("STAT %q", got)
	}
	c.ok("QUIT")
}

// POP3's AUTH takes IMAP's SASL setting: sasl_mech_list is CAPA's SASL
// line, and a SCRAM-SHA-256 login works with the keys "chapar user add"
// derived, a wrong password failing with [AUTH].
func TestPOP3SCRAMThroughTheBinary(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "pop3_listen: 127.0.0.1:0", "sasl_mech_list: SCRAM-SHA-256 PLAIN", "sasl_scram_iteration_counter: 64")
	in.start()
	in.addUser("alice")
	for _, tc := range []struct{ password, want string }{
		{"secret", "+OK Mailbox locked and ready: 0 messages (0 octets)"},
		{"wrong", "-ERR [AUTH] Invalid login"},
	} {
		conn, err := net.DialTimeout("tcp", in.pop3Addr(), 5*time.Second)
		if err != nil {
			t.Fatalf("dial POP3: %v", err)
		}
		conn.SetDeadline(time.Now().Add(60 * time.Second))
		c := &popConn{t: t, conn: conn, r: bufio.NewReader(conn)}
		c.line()
		if capa := c.multi("CAPA"); !slices.Contains(capa, "SASL SCRAM-SHA-256 PLAIN") {
			t.Errorf("CAPA %q: want SASL SCRAM-SHA-256 PLAIN", capa)
		}
		sc := &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: tc.password}
		send := func(b []byte) { fmt.Fprintf(conn, "%s\r\n", base64.StdEncoding.EncodeToString(b)) }
		challenge := func() []byte {
			l := c.line()
			b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(l, "+ "))
			if !strings.HasPrefix(l, "+ ") || err != nil {
				t.Fatalf("want a challenge, got %q", l)
			}
			return b
		}
		fmt.Fprintf(conn, "AUTH SCRAM-SHA-256 %s\r\n", base64.StdEncoding.EncodeToString(sc.First()))
		final, err := sc.Final(challenge())
		if err != nil {
			t.Fatal(err)
		}
		send(final)
		if tc.password == "secret" {
			if err := sc.Verify(challenge()); err != nil {
				t.Error(err)
			}
			send(nil)
		}
		if got := c.line(); got != tc.want {
			t.Errorf("password %q: %q, want %q", tc.password, got, tc.want)
		}
		conn.Close()
	}
}
