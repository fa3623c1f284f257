package pop3

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// AUTH PLAIN with and without the initial response, AUTH LOGIN, a
// cancelled exchange, wrong credentials with [AUTH], the mechanism list.
func TestAuth(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, nil)

	c := dial(t, addr)
	c.expectMulti("AUTH", "+OK Mechanisms follow", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN")
	c.expect("AUTH CRAM-MD5", "-ERR Mechanism CRAM-MD5 is not supported")
	c.expect("AUTH PLAIN !!!", "-ERR Invalid base64 in the initial response")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00wrong"), "-ERR [AUTH] Invalid login")
	c.expect("AUTH PLAIN "+b64("alice-only"), "-ERR Malformed PLAIN message")
	c.expect("AUTH PLAIN", "+ ")
	c.expect("*", "-ERR Authentication cancelled")
	c.expect("AUTH PLAIN", "+ ")
	c.expect(b64("\x00alice\x00secret"), "+OK Mailbox locked and ready: 0 messages (0 octets)")
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")

	c = dial(t, addr)
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.expect(b64("bob"), "+ "+b64("Password:"))
	c.expect(b64("secret"), "+OK Mailbox locked and ready: 0 messages (0 octets)")

	c = dial(t, addr)
	c.expect("AUTH LOGIN "+b64("alice"), "+ "+b64("Password:"))
	c.expect(b64("secret"), "+OK Mailbox locked and ready: 0 messages (0 octets)")
}

// PLAIN's authorization identity: an administrator may act as a user,
// a user may not act as another.
func TestAuthAsAnotherUser(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, func(c *Config) { c.Admins = []string{"root"} })
	if err := st.AddUser("root", "secret"); err != nil {
		t.Fatal(err)
	}
	put(t, st, "bob", msg1)
	c := dial(t, addr)
	c.expect("AUTH PLAIN "+b64("bob\x00alice\x00secret"), "-ERR [AUTH] alice may not act as bob")
	// What the client wrote is repeated without its control characters:
	// no CRLF can forge a second reply.
	c.expect("AUTH PLAIN "+b64("bob\r\n+OK forged\x00alice\x00secret"), "-ERR [AUTH] alice may not act as bob??+OK forged")
	c.expect("AUTH "+strings.Repeat("X", 100), "-ERR Mechanism "+strings.Repeat("X", 64)+"... is not supported")
	c.expect("AUTH PLAIN "+b64("bob\x00root\x00secret"), "+OK Mailbox locked and ready: 1 message (75 octets)")
}

// maxlogintrys wrong passwords end the connection.
func TestTooManyFailures(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, nil)
	c := dial(t, addr)
	for range 2 {
		c.expect("USER alice", "+OK Send PASS")
		c.expect("PASS nope", "-ERR [AUTH] Invalid login")
	}
	c.expect("USER nobody", "+OK Send PASS")
	c.expect("PASS nope", "-ERR [AUTH] Invalid login")
	c.closed()
}

// A password backend that cannot answer is [SYS/TEMP], not a wrong
// password (RFC 3206 §4).
func TestBackendFailureIsTemporary(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) {
		c.Authenticate = func(string, string) (bool, error) { return false, errors.New("disk on fire") }
	})
	c := dial(t, addr)
	c.expect("USER alice", "+OK Send PASS")
	c.expect("PASS secret", "-ERR [SYS/TEMP] Authentication is temporarily unavailable")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret"), "-ERR [SYS/TEMP] Authentication is temporarily unavailable")
}

// Where the plaintext policy refuses passwords in the clear, CAPA offers
// neither USER nor a SASL mechanism that sends one, and both are refused,
// until STLS (RFC 2595 §4).
func TestPlaintextNeedsTLS(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) { c.PlaintextOK = func(net.Conn) bool { return false } })
	c := dial(t, addr)
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "SASL SCRAM-SHA-256 SCRAM-SHA-1", "STLS", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expect("USER alice", "-ERR [AUTH] Plaintext passwords need TLS; use STLS")
	c.expect("PASS secret", "-ERR USER first")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret"), "-ERR [AUTH] PLAIN is refused on this connection before TLS; use STLS first")
	c.startTLS()
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expect("STLS", "-ERR TLS is already active")
	c.login("alice")
}

// Without a certificate there is no STLS.
func TestNoTLSConfigured(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) { c.TLSConfig = nil })
	c := dial(t, addr)
	c.expect("STLS", "-ERR STLS is not available")
}

// POP3S: TLS from the first byte; the session is secure at once.
func TestPOP3S(t *testing.T) {
	t.Parallel()
	var srv *Server
	_, _, srv = testServer(t, func(c *Config) { c.PlaintextOK = func(net.Conn) bool { return false } })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(tls.NewListener(l, srv.cfg.TLSConfig))
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.read(); g != "+OK pop.test chapar POP3 server ready" {
		t.Fatalf("greeting %q", g)
	}
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.login("alice")
}

// popminpoll: a second login within the interval gets [LOGIN-DELAY];
// CAPA says the interval in seconds, and popexpiretime's days.
func TestMinPoll(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64 // Unix seconds
	clock.Store(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Unix())
	addr, _, _ := testServer(t, func(c *Config) {
		c.MinPoll, c.ExpireDays = 5*time.Minute, 30
		c.now = func() time.Time { return time.Unix(clock.Load(), 0) }
	})
	c := dial(t, addr)
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN", "STLS",
		"EXPIRE 30", "LOGIN-DELAY 300", "IMPLEMENTATION chapar")
	c.login("alice")
	// Five minutes on, a login refused [IN-USE] is no login for
	// popminpoll: the next, once the maildrop is free, gets in.
	clock.Add(5 * 60)
	b := dial(t, addr)
	b.expect("USER alice", "+OK Send PASS")
	b.expect("PASS secret", "-ERR [IN-USE] Unable to lock maildrop: another POP3 session holds it")
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")
	c.closed()
	d := dialRetryingInUse(t, addr, "alice")
	d.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")
	d.closed()

	clock.Add(4 * 60)
	c = dial(t, addr)
	c.expect("USER alice", "+OK Send PASS")
	c.expect("PASS secret", "-ERR [LOGIN-DELAY] Logins must be at least 5 minutes apart")
	c.login("bob") // another user's interval is its own
	clock.Add(60)
	c2 := dial(t, addr)
	if got := c2.login("alice"); !strings.HasPrefix(got, "+OK Mailbox locked") {
		t.Fatalf("login after the interval: %q", got)
	}
}
