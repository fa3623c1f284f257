package pop3

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// testServer starts POP3 on 127.0.0.1 over a real store with the users
// alice and bob (password "secret"); tune changes the configuration.
func testServer(t testing.TB, tune func(*Config)) (string, *store.Store, *Server) {
	t.Helper()
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.AddUsers(t, st, "secret", "alice", "bob")
	cfg := Config{
		Store:         st,
		PlaintextOK:   func(net.Conn) bool { return true },
		TLSConfig:     testkit.SelfSignedTLS(t),
		ServerName:    "pop.test",
		ExpireDays:    -1,
		FailureDelay:  1,
		MaxLoginTries: 3,
		Log:           testkit.Quiet(),
	}
	if tune != nil {
		tune(&cfg)
	}
	srv := NewServer(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), st, srv
}

// put delivers messages into a user's INBOX as LMTP would.
func put(t testing.TB, st *store.Store, user string, msgs ...string) {
	t.Helper()
	for i, m := range msgs {
		_, err := st.Deliver(store.Delivery{Key: fmt.Sprintf("%s-%d-%d", user, time.Now().UnixNano(), i),
			Mailbox: store.UserInbox(user), Service: "lmtpd", Message: store.NewMessage{Body: []byte(m)}})
		if err != nil {
			t.Fatalf("deliver to %s: %v", user, err)
		}
	}
}

// client speaks POP3 line by line, as a transcript: send a command,
// read the reply, compare.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.read(); !strings.HasPrefix(g, "+OK ") {
		t.Fatalf("greeting %q", g)
	}
	return c
}

func (c *client) send(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// read reads one line, without its CRLF.
func (c *client) read() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, line)
	}
	if !strings.HasSuffix(line, "\r\n") {
		c.t.Fatalf("line %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// readMulti reads a multi-line body up to its "." line, undoing the dot
// stuffing.
func (c *client) readMulti() []string {
	c.t.Helper()
	var lines []string
	for {
		l := c.read()
		if l == "." {
			return lines
		}
		lines = append(lines, strings.TrimPrefix(l, "."))
	}
}

// expect sends a command and checks the one-line reply exactly.
func (c *client) expect(cmd, want string) {
	c.t.Helper()
	c.send(cmd)
	if got := c.read(); got != want {
		c.t.Fatalf("%s: got %q, want %q", cmd, got, want)
	}
}

// expectMulti sends a command and checks its first line and body exactly.
func (c *client) expectMulti(cmd, first string, body ...string) {
	c.t.Helper()
	c.send(cmd)
	if got := c.read(); got != first {
		c.t.Fatalf("%s: got %q, want %q", cmd, got, first)
	}
	got := c.readMulti()
	if strings.Join(got, "\n") != strings.Join(body, "\n") {
		c.t.Fatalf("%s: body\n%s\nwant\n%s", cmd, strings.Join(got, "\n"), strings.Join(body, "\n"))
	}
}

// login logs in with USER/PASS and returns the +OK line.
func (c *client) login(user string) string {
	c.t.Helper()
	c.expect("USER "+user, "+OK Send PASS")
	c.send("PASS secret")
	got := c.read()
	if !strings.HasPrefix(got, "+OK ") {
		c.t.Fatalf("PASS as %s: %q", user, got)
	}
	return got
}

// closed checks that the server ended the connection.
func (c *client) closed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := c.r.ReadString('\n'); err == nil {
		c.t.Fatalf("connection still open; read %q", line)
	}
}

// startTLS upgrades the connection after "+OK" to STLS.
func (c *client) startTLS() {
	c.t.Helper()
	c.expect("STLS", "+OK Begin TLS negotiation now")
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
}
