package imap

import (
	"encoding/base64"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"chapar/internal/testkit"
)

// listenOn serves env's server on one more listener.
func (e *testEnv) listenOn(t *testing.T, network, addr string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.Serve(l)
	return l.Addr().String()
}

// With the default allowplaintext: no, a loopback connection is secure
// enough for a password, as in Dovecot: tools on the server itself keep
// working without TLS.
func TestLoopbackLoginWithoutTLS(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AllowPlaintext = false })
	c := env.raw(t)
	out := c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK ...")
	has(t, out, "AUTH=PLAIN", "AUTH=LOGIN")
	if strings.Contains(out[0], "LOGINDISABLED") {
		t.Errorf("LOGINDISABLED on loopback: %q", out[0])
	}
	c.expectTagged("b LOGIN alice pw", "OK")
}

// The same server on the machine's own network address refuses passwords
// in the clear: a real socket, not a loopback one.
func TestPlaintextRefusedOnNetworkAddress(t *testing.T) {
	t.Parallel()
	ip := testkit.NonLoopbackIPv4()
	if ip == "" {
		t.Skip("no non-loopback IPv4 address on this machine to listen on")
	}
	env := newTestEnv(t, func(c *Config) {
		c.AllowPlaintext = false
		c.TLSConfig = testTLSConfig(t)
	})
	addr := env.listenOn(t, "tcp", net.JoinHostPort(ip, "0"))
	c := rawAt(t, "tcp", addr)
	out := c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK ...")
	// SCRAM never sends the password, so it stays; -PLUS needs TLS.
	has(t, out, "STARTTLS", "LOGINDISABLED", "AUTH=SCRAM-SHA-256", "AUTH=SCRAM-SHA-1")
	if strings.Contains(out[0], "AUTH=PLAIN") || strings.Contains(out[0], "AUTH=LOGIN") || strings.Contains(out[0], "-PLUS") {
		t.Errorf("AUTH=PLAIN, LOGIN or -PLUS offered in the clear on %s: %q", addr, out[0])
	}
	c.exchange("b LOGIN alice pw", "b NO [PRIVACYREQUIRED] ...")
	c.exchange("c AUTHENTICATE PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw")), "c NO [PRIVACYREQUIRED] ...")

	// allowplaintext: yes opens it again.
	open := newTestEnv(t, func(c *Config) { c.AllowPlaintext = true })
	c = rawAt(t, "tcp", open.listenOn(t, "tcp", net.JoinHostPort(ip, "0")))
	c.expectTagged("d LOGIN alice pw", "OK")
}

// sasl_minimum_layer > 0: only TLS and Unix sockets may carry a password,
// loopback and allowplaintext notwithstanding.
func TestRequireTLSForAuth(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) {
		c.AllowPlaintext = true
		c.RequireTLSForAuth = true
		c.TLSConfig = testTLSConfig(t)
	})
	c := env.raw(t)
	out := c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK ...")
	has(t, out, "STARTTLS", "LOGINDISABLED")
	// Cyrus's rule: SCRAM has no security layer, so a minimum layer
	// refuses it too without TLS.
	if strings.Contains(out[0], "AUTH=") {
		t.Errorf("AUTH= offered without TLS under sasl_minimum_layer: %q", out[0])
	}
	c.exchange("b LOGIN alice pw", "b NO [PRIVACYREQUIRED] ...")
	c.exchange("c AUTHENTICATE LOGIN", "c NO [PRIVACYREQUIRED] ...")
	c.exchange("c2 AUTHENTICATE SCRAM-SHA-256", "c2 NO [PRIVACYREQUIRED] ...")

	sock := env.listenOn(t, "unix", filepath.Join(t.TempDir(), "imap"))
	c = rawAt(t, "unix", sock)
	out = c.exchange("d CAPABILITY", "* CAPABILITY ...", "d OK ...")
	has(t, out, "AUTH=PLAIN")
	c.expectTagged("e LOGIN alice pw", "OK")
}
