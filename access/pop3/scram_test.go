package pop3

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"chapar/access/sasl"
	"chapar/internal/testkit"
)

// AUTH SCRAM (RFC 5802 §5 over RFC 5034 §4), driven by the tests' own
// SCRAM client over a raw connection, so that every challenge and answer
// is seen.

// challenge reads a "+ base64" line and decodes it; any other line fails.
func (c *client) challenge() []byte {
	c.t.Helper()
	l := c.read()
	v, ok := strings.CutPrefix(l, "+ ")
	if !ok {
		c.t.Fatalf("want a challenge, got %q", l)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		c.t.Fatalf("challenge %q: %v", l, err)
	}
	return b
}

// scramLogin runs AUTH mech with sc, its first message as the initial
// response when ir; tamper may change the client-final message. It
// returns the answer that ends the exchange, having checked the server's
// signature when the server sent one.
func (c *client) scramLogin(mech string, sc *testkit.SCRAMClient, ir bool, tamper func(string) string) string {
	c.t.Helper()
	if ir {
		c.send("AUTH " + mech + " " + b64(string(sc.First())))
	} else {
		c.send("AUTH " + mech)
		if first := c.challenge(); len(first) != 0 {
			c.t.Fatalf("first challenge %q, want empty", first)
		}
		c.send(b64(string(sc.First())))
	}
	l := c.read()
	if !strings.HasPrefix(l, "+ ") {
		return l
	}
	serverFirst, _ := base64.StdEncoding.DecodeString(l[2:])
	final, err := sc.Final(serverFirst)
	if err != nil {
		c.t.Fatal(err)
	}
	if tamper != nil {
		final = []byte(tamper(string(final)))
	}
	c.send(b64(string(final)))
	l = c.read()
	if !strings.HasPrefix(l, "+ ") {
		return l
	}
	// POP3 has no success data: the server-final message is a last
	// challenge, answered empty.
	serverFinal, _ := base64.StdEncoding.DecodeString(l[2:])
	if err := sc.Verify(serverFinal); err != nil {
		c.t.Fatal(err)
	}
	c.send("")
	return c.read()
}

// SCRAM-SHA-256 and SCRAM-SHA-1 log in, with and without the initial
// response, and the session goes on into TRANSACTION.
func TestAuthSCRAM(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	for _, tc := range []struct {
		mech string
		ir   bool
	}{{"SCRAM-SHA-256", false}, {"SCRAM-SHA-256", true}, {"scram-sha-1", true}} {
		h := sha256.New
		if strings.EqualFold(tc.mech, "SCRAM-SHA-1") {
			h = sha1.New
		}
		c := dial(t, addr)
		got := c.scramLogin(tc.mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, tc.ir, nil)
		if got != "+OK Mailbox locked and ready: 1 message (75 octets)" {
			t.Fatalf("%s (IR %v): %q", tc.mech, tc.ir, got)
		}
		c.expect("STAT", "+OK 1 75")
		c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (1 message left)")
		c.closed()
	}
}

// Every way a SCRAM login can be wrong is refused: a failed login is
// -ERR [AUTH] (RFC 3206 §4) and counts towards maxlogintrys, a broken
// message is -ERR without it; the connection stays in AUTHORIZATION.
func TestAuthSCRAMRefused(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) { c.MaxLoginTries = 0 })
	c := dial(t, addr)
	client := func(user, pw string) *testkit.SCRAMClient {
		return &testkit.SCRAMClient{Hash: sha256.New, User: user, Password: pw}
	}
	for _, tc := range []struct {
		name   string
		sc     *testkit.SCRAMClient
		tamper func(string) string
		want   string
	}{
		{"wrong password", client("alice", "wrong"), nil, "-ERR [AUTH] Invalid login"},
		{"unknown user", client("nobody", "secret"), nil, "-ERR [AUTH] Invalid login"},
		{"wrong proof", client("alice", "secret"), func(f string) string {
			i := strings.LastIndex(f, ",p=") + 3
			return f[:i] + base64.StdEncoding.EncodeToString(make([]byte, 32))
		}, "-ERR [AUTH] Invalid login"},
		{"other nonce", client("alice", "secret"), func(f string) string { return strings.Replace(f, ",r=", ",r=evil", 1) }, "-ERR [AUTH] Invalid login"},
		{"binding claimed", client("alice", "secret"), func(f string) string {
			return strings.Replace(f, "c=biws", "c="+b64("p=tls-exporter,,x"), 1)
		}, "-ERR [AUTH] Invalid login"},
		{"no proof", client("alice", "secret"), func(f string) string { return f[:strings.LastIndex(f, ",p=")] }, "-ERR Malformed SCRAM-SHA-256 message"},
	} {
		if got := c.scramLogin("SCRAM-SHA-256", tc.sc, false, tc.tamper); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	c.expect("AUTH SCRAM-SHA-256 "+b64("x,,n=alice,r=abc"), "-ERR Malformed SCRAM-SHA-256 message")
	c.expect("AUTH SCRAM-SHA-256", "+ ")
	c.expect("*", "-ERR Authentication cancelled")
	// A last answer that is not empty spoils a proof that was right.
	sc := client("alice", "secret")
	c.send("AUTH SCRAM-SHA-256 " + b64(string(sc.First())))
	final, err := sc.Final(c.challenge())
	if err != nil {
		t.Fatal(err)
	}
	c.send(b64(string(final)))
	c.challenge()
	c.expect(b64("more"), "-ERR Malformed SCRAM-SHA-256 message")
	c.expect("STAT", "-ERR STAT is not allowed before login")
	c.login("alice")
}

// maxlogintrys counts SCRAM failures as it counts wrong passwords.
func TestAuthSCRAMFailuresCount(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, nil)
	c := dial(t, addr)
	c.expect("USER alice", "+OK Send PASS")
	c.expect("PASS nope", "-ERR [AUTH] Invalid login")
	for range 2 {
		if got := c.scramLogin("SCRAM-SHA-1", &testkit.SCRAMClient{Hash: sha1.New, User: "alice", Password: "nope"}, true, nil); got != "-ERR [AUTH] Invalid login" {
			t.Fatalf("wrong password: %q", got)
		}
	}
	c.closed()
}

// sasl_mech_list picks what CAPA and AUTH offer and what AUTH takes;
// USER/PASS, not a SASL mechanism, is the plaintext rule's.
func TestSASLMechList(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) {
		c.SASL = &sasl.Config{Mechanisms: []string{"scram-sha-256", "LOGIN", "CRAM-MD5"}, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	c := dial(t, addr)
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL SCRAM-SHA-256 LOGIN", "STLS", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expectMulti("AUTH", "+OK Mechanisms follow", "SCRAM-SHA-256", "LOGIN")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret"), "-ERR Mechanism PLAIN is not supported")
	c.expect("AUTH SCRAM-SHA-1", "-ERR Mechanism SCRAM-SHA-1 is not supported")
	c.expect("AUTH CRAM-MD5", "-ERR Mechanism CRAM-MD5 is not supported")
	c.login("alice")
}

// With sasl_minimum_layer (HashedOK false) SCRAM, which has no security
// layer, waits for TLS like the password mechanisms.
func TestSCRAMNeedsTLSWithMinimumLayer(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, func(c *Config) {
		c.PlaintextOK = func(net.Conn) bool { return false }
		c.HashedOK = func(net.Conn) bool { return false }
	})
	c := dial(t, addr)
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expect("AUTH SCRAM-SHA-256", "-ERR [AUTH] SCRAM-SHA-256 is refused on this connection before TLS; use STLS first")
	c.startTLS()
	got := c.scramLogin("SCRAM-SHA-256", &testkit.SCRAMClient{Hash: sha256.New, User: "bob", Password: "secret"}, true, nil)
	if !strings.HasPrefix(got, "+OK Mailbox locked") {
		t.Fatalf("SCRAM after STLS: %q", got)
	}
}

// SCRAM-SHA-256-PLUS binds the exchange to the TLS connection
// (tls-exporter, RFC 9266): offered only once STLS is done (or under
// POP3S) and only when sasl_mech_list names it; the client's own keying
// material logs in, any other is refused, and so is "y" (RFC 5802 §6's
// downgrade) where -PLUS is offered.
func TestAuthSCRAMPlus(t *testing.T) {
	t.Parallel()
	addr, _, srv := testServer(t, func(c *Config) {
		c.SASL = &sasl.Config{Mechanisms: sasl.Mechanisms, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	binding := func(c *client) []byte {
		st := c.conn.(*tls.Conn).ConnectionState()
		cb, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
		if err != nil {
			t.Fatal(err)
		}
		return cb
	}
	for _, good := range []bool{true, false} {
		c := dial(t, addr)
		c.expectMulti("AUTH", "+OK Mechanisms follow", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN")
		c.expect("AUTH SCRAM-SHA-256-PLUS", "-ERR Mechanism SCRAM-SHA-256-PLUS is not supported")
		c.startTLS()
		c.expectMulti("AUTH", "+OK Mechanisms follow", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN", "LOGIN")
		cb := binding(c)
		if !good {
			cb[0] ^= 0xff
		}
		sc := &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret", Flag: "p", CBName: "tls-exporter", CBData: cb}
		got := c.scramLogin("SCRAM-SHA-256-PLUS", sc, true, nil)
		if good && !strings.HasPrefix(got, "+OK Mailbox locked") || !good && got != "-ERR [AUTH] Invalid login" {
			t.Errorf("binding good=%v: %q", good, got)
		}
		if good {
			// The maildrop is free for the next round.
			c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")
			c.closed()
		}
	}
	c := dial(t, addr)
	c.startTLS()
	if got := c.scramLogin("SCRAM-SHA-256", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret", Flag: "y"}, true, nil); got != "-ERR [AUTH] Invalid login" {
		t.Errorf("y under TLS: %q", got)
	}

	// POP3S: the greeting's session is under TLS, and -PLUS is there.
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
	s := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	s.read()
	sc := &testkit.SCRAMClient{Hash: sha1.New, User: "bob", Password: "secret", Flag: "p", CBName: "tls-exporter", CBData: binding(s)}
	if got := s.scramLogin("SCRAM-SHA-1-PLUS", sc, false, nil); !strings.HasPrefix(got, "+OK Mailbox locked") {
		t.Errorf("SCRAM-SHA-1-PLUS under POP3S: %q", got)
	}
}
