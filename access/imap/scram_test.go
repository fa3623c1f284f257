package imap

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	chaparsasl "chapar/access/sasl"
	"chapar/internal/testkit"
)

// AUTHENTICATE SCRAM (RFC 5802 §5 over RFC 9051 §6.2.2), driven by a
// SCRAM client of the tests' own over a raw connection, so that every
// challenge and answer is seen.

// scramB64 is the base64 of AUTHENTICATE's lines.
func scramB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func (c *rawConn) scramChallenge() []byte {
	c.t.Helper()
	l := c.line()
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

// scramLogin runs AUTHENTICATE mech with client sc, the initial response
// on the command line when ir; tamper may change the client-final
// message. It returns the tagged answer.
func (c *rawConn) scramLogin(tag, mech string, sc *testkit.SCRAMClient, ir bool, tamper func(string) string) string {
	c.t.Helper()
	if ir {
		c.send(tag + " AUTHENTICATE " + mech + " " + scramB64(sc.First()) + "\r\n")
	} else {
		c.send(tag + " AUTHENTICATE " + mech + "\r\n")
		if first := c.scramChallenge(); len(first) != 0 {
			c.t.Fatalf("first challenge %q, want empty", first)
		}
		c.send(scramB64(sc.First()) + "\r\n")
	}
	l := c.line()
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
	c.send(scramB64(final) + "\r\n")
	l = c.line()
	if !strings.HasPrefix(l, "+ ") {
		return l
	}
	// IMAP has no success data: the server-final message is a last
	// challenge, answered empty.
	serverFinal, _ := base64.StdEncoding.DecodeString(l[2:])
	if err := sc.Verify(serverFinal); err != nil {
		c.t.Errorf("%s: %v", mech, err)
	}
	c.send("\r\n")
	return c.until(tag)[0]
}

func TestAuthenticateSCRAM(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, tc := range []struct {
		mech string
		ir   bool
	}{{"SCRAM-SHA-256", false}, {"SCRAM-SHA-256", true}, {"SCRAM-SHA-1", false}, {"scram-sha-1", true}} {
		h := sha256.New
		if strings.EqualFold(tc.mech, "SCRAM-SHA-1") {
			h = sha1.New
		}
		c := env.raw(t)
		got := c.scramLogin("a", tc.mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "pw"}, tc.ir, nil)
		if !strings.HasPrefix(got, "a OK [CAPABILITY IMAP4rev1 ") {
			t.Fatalf("%s (IR %v): %q", tc.mech, tc.ir, got)
		}
		c.expectTagged("b SELECT INBOX", "OK [READ-WRITE]")
	}
}

// Every way a SCRAM login can be wrong is refused with NO (a failed
// login) or BAD (a broken message), and the connection goes on.
func TestAuthenticateSCRAMRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxLoginTries = -1 })
	c := env.raw(t)
	client := func(user, pw string) *testkit.SCRAMClient {
		return &testkit.SCRAMClient{Hash: sha256.New, User: user, Password: pw}
	}
	for _, tc := range []struct {
		name   string
		sc     *testkit.SCRAMClient
		tamper func(string) string
		want   string
	}{
		{"wrong password", client("alice", "wrong"), nil, "a NO [AUTHENTICATIONFAILED] invalid credentials"},
		{"unknown user", client("nobody", "pw"), nil, "a NO [AUTHENTICATIONFAILED] invalid credentials"},
		{"bad nonce", client("alice", "pw"), func(f string) string { return strings.Replace(f, ",r=", ",r=evil", 1) }, "a NO [AUTHENTICATIONFAILED] invalid credentials"},
		{"bad proof", client("alice", "pw"), func(f string) string {
			i := strings.LastIndex(f, ",p=") + 3
			return f[:i] + scramB64(make([]byte, 32))
		}, "a NO [AUTHENTICATIONFAILED] invalid credentials"},
		{"binding claimed", client("alice", "pw"), func(f string) string {
			return strings.Replace(f, "c=biws", "c="+scramB64([]byte("p=tls-exporter,,x")), 1)
		}, "a NO [AUTHENTICATIONFAILED] invalid credentials"},
		{"no proof", client("alice", "pw"), func(f string) string { return f[:strings.LastIndex(f, ",p=")] }, "a BAD ..."},
	} {
		got := c.scramLogin("a", "SCRAM-SHA-256", tc.sc, false, tc.tamper)
		if !transcriptMatches([]string{got}, []string{tc.want}) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// A malformed client-first message, and a cancel.
	c.send("b AUTHENTICATE SCRAM-SHA-256 " + scramB64([]byte("x,,n=alice,r=abc")) + "\r\n")
	if l := c.line(); !strings.HasPrefix(l, "b BAD ") {
		t.Errorf("malformed client-first: %q", l)
	}
	c.send("c AUTHENTICATE SCRAM-SHA-256\r\n")
	c.scramChallenge()
	c.send("*\r\n")
	if l := c.line(); !strings.HasPrefix(l, "c BAD ") {
		t.Errorf("cancel: %q", l)
	}
	// Still usable: the right password logs in.
	if got := c.scramLogin("d", "SCRAM-SHA-256", client("alice", "pw"), true, nil); !strings.HasPrefix(got, "d OK ") {
		t.Errorf("after the refusals: %q", got)
	}
}

// sasl_mech_list picks what is offered and accepted.
func TestSASLMechList(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) {
		c.SASL = &chaparsasl.Config{Mechanisms: []string{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	c := env.raw(t)
	out := c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK CAPABILITY completed")
	if caps := strings.Fields(out[0]); !strings.Contains(out[0], " AUTH=SCRAM-SHA-256 ") || strings.Count(out[0], "AUTH=") != 1 {
		t.Errorf("capabilities %q, want AUTH=SCRAM-SHA-256 alone", caps)
	}
	c.exchange("b AUTHENTICATE PLAIN "+scramB64([]byte("\x00alice\x00pw")), "b NO AUTHENTICATE: mechanism PLAIN not supported")
	c.exchange("c AUTHENTICATE SCRAM-SHA-1", "c NO AUTHENTICATE: mechanism SCRAM-SHA-1 not supported")
	// LOGIN, the command, is not a SASL mechanism: allowplaintext rules it.
	c.expectTagged("d LOGIN alice pw", "OK")
}

// SCRAM-SHA-256-PLUS after STARTTLS binds the exchange to the TLS
// connection (tls-exporter, RFC 9266): the client's own keying material
// logs in, any other is refused. Offered only once TLS is up, and only
// when sasl_mech_list names it.
func TestAuthenticateSCRAMPlus(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) {
		c.TLSConfig = testTLSConfig(t)
		c.SASL = &chaparsasl.Config{Mechanisms: chaparsasl.Mechanisms, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	for _, good := range []bool{true, false} {
		c := env.raw(t)
		out := c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK CAPABILITY completed")
		if strings.Contains(out[0], "-PLUS") {
			t.Errorf("-PLUS before STARTTLS: %q", out[0])
		}
		c.exchange("b STARTTLS", "b OK Begin TLS negotiation now")
		tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		c.conn, c.r = tc, bufio.NewReader(tc)
		out = c.exchange("c CAPABILITY", "* CAPABILITY ...", "c OK CAPABILITY completed")
		has(t, out, "AUTH=SCRAM-SHA-256-PLUS", "AUTH=SCRAM-SHA-1-PLUS")
		st := tc.ConnectionState()
		cb, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
		if err != nil {
			t.Fatal(err)
		}
		if !good {
			cb[0] ^= 0xff
		}
		sc := &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "pw", Flag: "p", CBName: "tls-exporter", CBData: cb}
		got := c.scramLogin("d", "SCRAM-SHA-256-PLUS", sc, true, nil)
		if good && !strings.HasPrefix(got, "d OK ") || !good && got != "d NO [AUTHENTICATIONFAILED] invalid credentials" {
			t.Errorf("binding good=%v: %q", good, got)
		}
	}
	// "y" where the server offers -PLUS: a downgrade, refused.
	c := env.raw(t)
	c.exchange("b STARTTLS", "b OK Begin TLS negotiation now")
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
	got := c.scramLogin("e", "SCRAM-SHA-256", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "pw", Flag: "y"}, true, nil)
	if got != "e NO [AUTHENTICATIONFAILED] invalid credentials" {
		t.Errorf("y under TLS: %q", got)
	}
}

// netConnWrapper stands for conncap's listener: its connections wrap the
// TLS ones and expose them through NetConn.
type netConnWrapper struct{ net.Listener }

type wrappedConn struct{ net.Conn }

func (w wrappedConn) NetConn() net.Conn { return w.Conn }

func (l netConnWrapper) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrappedConn{c}, nil
}

// Over imaps, behind a wrapping listener, the greeting already offers
// -PLUS, and tls-server-end-point (RFC 5929 §4: SHA-256 of the ECDSA
// certificate) binds the login.
func TestIMAPSSCRAMPlusServerEndPoint(t *testing.T) {
	t.Parallel()
	cfg := testTLSConfig(t)
	env := newTestEnv(t, func(c *Config) {
		c.TLSConfig = cfg
		c.SASL = &chaparsasl.Config{Mechanisms: chaparsasl.Mechanisms, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	go env.srv.ServeTLS(netConnWrapper{l})
	tc, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	c := &rawConn{t: t, conn: tc, r: bufio.NewReader(tc)}
	if g := c.line(); !strings.Contains(g, " AUTH=SCRAM-SHA-256-PLUS ") {
		t.Errorf("imaps greeting without -PLUS: %q", g)
	}
	endPoint := sha256.Sum256(cfg.Certificates[0].Certificate[0])
	sc := &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "pw", Flag: "p", CBName: "tls-server-end-point", CBData: endPoint[:]}
	if got := c.scramLogin("a", "SCRAM-SHA-256-PLUS", sc, true, nil); !strings.HasPrefix(got, "a OK ") {
		t.Errorf("tls-server-end-point over imaps: %q", got)
	}
}

// Off the machine without TLS, where LOGIN and PLAIN get PRIVACYREQUIRED,
// SCRAM logs in: the password never crosses the connection.
func TestSCRAMWithoutTLSOffTheMachine(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AllowPlaintext = false })
	env.treatAsRemote()
	c := env.raw(t)
	c.exchange("a LOGIN alice pw", "a NO [PRIVACYREQUIRED] ...")
	c.exchange("b AUTHENTICATE PLAIN "+scramB64([]byte("\x00alice\x00pw")), "b NO [PRIVACYREQUIRED] ...")
	if got := c.scramLogin("c", "SCRAM-SHA-256", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "pw"}, true, nil); !strings.HasPrefix(got, "c OK ") {
		t.Errorf("SCRAM off the machine: %q", got)
	}
}

// Failed SCRAM logins count against maxlogintrys like LOGIN's, and the
// failure is charged to the user the client named (the throttle's delay).
func TestSCRAMFailuresCount(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxLoginTries = 2 })
	var delays atomic.Int64
	hook := func(time.Duration) { delays.Add(1) }
	env.srv.delayHook.Store(&hook)
	c := env.raw(t)
	sc := func() *testkit.SCRAMClient {
		return &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "wrong"}
	}
	if got := c.scramLogin("a", "SCRAM-SHA-256", sc(), true, nil); got != "a NO [AUTHENTICATIONFAILED] invalid credentials" {
		t.Errorf("first failure: %q", got)
	}
	if got := c.scramLogin("b", "SCRAM-SHA-256", sc(), true, nil); got != "b NO [AUTHENTICATIONFAILED] invalid credentials" {
		t.Errorf("second failure: %q", got)
	}
	c.expect("* BYE Too many login failures")
	if n := delays.Load(); n != 2 {
		t.Errorf("%d failed-login delays, want 2", n)
	}
}
