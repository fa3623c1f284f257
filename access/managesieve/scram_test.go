package managesieve

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

// scramLogin runs AUTHENTICATE mech with sc and an initial response
// (RFC 5804 §2.1): the server-first message comes as a string, the
// server-final one in the OK's SASL code, which the client verifies. It
// returns the last line.
func (c *client) scramLogin(mech string, sc *testkit.SCRAMClient, tamper func(string) string) string {
	c.t.Helper()
	enc := base64.StdEncoding.EncodeToString
	if _, err := c.conn.Write([]byte(`AUTHENTICATE "` + mech + `" "` + enc(sc.First()) + "\"\r\n")); err != nil {
		c.t.Fatal(err)
	}
	// A challenge is one string line; anything else is the answer.
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatal(err)
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, `"`) {
		return line
	}
	serverFirst, err := base64.StdEncoding.DecodeString(strings.Trim(line, `"`))
	if err != nil {
		c.t.Fatalf("challenge %q: %v", line, err)
	}
	final, err := sc.Final(serverFirst)
	if err != nil {
		c.t.Fatal(err)
	}
	if tamper != nil {
		final = []byte(tamper(string(final)))
	}
	got := last(c.do(`"` + enc(final) + "\"\r\n"))
	if v, ok := strings.CutPrefix(got, `OK (SASL "`); ok {
		serverFinal, _ := base64.StdEncoding.DecodeString(v[:strings.IndexByte(v, '"')])
		if err := sc.Verify(serverFinal); err != nil {
			c.t.Errorf("%s: %v", mech, err)
		}
	}
	return got
}

func TestAuthenticateSCRAM(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, func(c *Config) { c.MaxLoginTries = 0 })
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-1"} {
		h := sha256.New
		if mech == "SCRAM-SHA-1" {
			h = sha1.New
		}
		c, _ := dial(t, addr)
		if got := c.scramLogin(mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "wrong"}, nil); got != `NO "Authentication failed"` {
			t.Errorf("%s wrong password: %s", mech, got)
		}
		if got := c.scramLogin(mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, func(f string) string {
			return strings.Replace(f, ",r=", ",r=x", 1)
		}); got != `NO "Authentication failed"` {
			t.Errorf("%s bad nonce: %s", mech, got)
		}
		if got := c.scramLogin(mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, nil); !strings.HasPrefix(got, `OK (SASL "`) {
			t.Fatalf("%s: %s", mech, got)
		}
		if got := last(c.do("LISTSCRIPTS\r\n")); !strings.HasPrefix(got, "OK") {
			t.Errorf("LISTSCRIPTS after %s: %s", mech, got)
		}
	}
}

// sasl_minimum_layer: without TLS not even SCRAM; after STARTTLS the
// -PLUS variants bind to the connection (tls-exporter).
func TestSCRAMPlusAfterSTARTTLS(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, func(c *Config) {
		c.PlaintextOK = func(net.Conn) bool { return false }
		c.HashedOK = func(net.Conn) bool { return false }
		c.MaxLoginTries = 0
		c.SASL = &sasl.Config{Mechanisms: sasl.Mechanisms, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	c, greeting := dial(t, addr)
	if !strings.Contains(strings.Join(greeting, "\n"), `"SASL" ""`) {
		t.Errorf("mechanisms offered without TLS under a minimum layer: %q", greeting)
	}
	if got := c.scramLogin("SCRAM-SHA-256", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret"}, nil); !strings.HasPrefix(got, "NO (ENCRYPT-NEEDED)") {
		t.Errorf("SCRAM before TLS: %s", got)
	}
	if got := last(c.do("STARTTLS\r\n")); !strings.HasPrefix(got, "OK") {
		t.Fatalf("STARTTLS: %s", got)
	}
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	c.conn, c.r = tc, bufio.NewReader(tc)
	c.response()
	st := tc.ConnectionState()
	cb, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
	if err != nil {
		t.Fatal(err)
	}
	other := append([]byte{1}, cb[1:]...)
	if got := c.scramLogin("SCRAM-SHA-256-PLUS", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret", Flag: "p", CBName: "tls-exporter", CBData: other}, nil); got != `NO "Authentication failed"` {
		t.Errorf("wrong channel binding: %s", got)
	}
	if got := c.scramLogin("SCRAM-SHA-256-PLUS", &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret", Flag: "p", CBName: "tls-exporter", CBData: cb}, nil); !strings.HasPrefix(got, `OK (SASL "`) {
		t.Errorf("SCRAM-SHA-256-PLUS: %s", got)
	}
}
