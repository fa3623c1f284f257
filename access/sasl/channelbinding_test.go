package sasl

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"

	"chapar/internal/testkit"
)

// tlsPair makes a real TLS connection over loopback TCP at version and
// returns the server's and the client's state.
func tlsPair(t *testing.T, version uint16) (server, client tls.ConnectionState, cert []byte) {
	t.Helper()
	cfg := testkit.SelfSignedTLS(t)
	cfg.MinVersion, cfg.MaxVersion = version, version
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan tls.ConnectionState, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(done)
			return
		}
		defer c.Close()
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			close(done)
			return
		}
		// Through a wrapper, as the servers hold it.
		done <- *TLSState(wrapped{tc})
	}()
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	pool.AddCert(leaf)
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: version, MaxVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, ok := <-done
	if !ok {
		t.Fatal("server handshake failed")
	}
	return st, c.ConnectionState(), ServerCertificate(cfg)
}

// wrapped stands for conncap's connection: a net.Conn with NetConn.
type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

// SCRAM-*-PLUS over real TLS 1.3 and 1.2: each binding type the
// connection has succeeds with the client's own data and fails with
// another's; a client that says "y" where -PLUS is offered is refused.
func TestSCRAMPlus(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		server, client, cert := tlsPair(t, version)
		conn := Conn{TLS: &server, ServerCert: cert, PlaintextOK: true, HashedOK: true}
		// -PLUS only when sasl_mech_list names it (DefaultMechanisms).
		if got := strings.Join(cfg.Offer(conn), " "); got != "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN" {
			t.Errorf("default offer under TLS: %s", got)
		}
		cfg := *cfg
		cfg.Mechanisms = Mechanisms
		if got := strings.Join(cfg.Offer(conn), " "); got != "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN LOGIN" {
			t.Errorf("offer of every mechanism under TLS: %s", got)
		}
		exporter, err := client.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
		if err != nil {
			t.Fatal(err)
		}
		endPoint := sha256.Sum256(cert) // the test certificate is ECDSA with SHA-256
		bindings := map[string][]byte{TLSExporter: exporter, TLSServerEndPoint: endPoint[:]}
		if version == tls.VersionTLS12 {
			bindings[TLSUnique] = client.TLSUnique
		} else {
			_, err := scram(t, &cfg, conn, "SCRAM-SHA-256-PLUS", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret", Flag: "p", CBName: TLSUnique, CBData: []byte("x")}, nil)
			wantErr(t, "tls-unique under TLS 1.3", err, ErrAuthFailed)
		}
		for name, data := range bindings {
			for _, mech := range []string{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS"} {
				h := hashes[strings.TrimSuffix(strings.TrimPrefix(mech, "SCRAM-"), "-PLUS")]
				if _, err := scram(t, &cfg, conn, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret", Flag: "p", CBName: name, CBData: data}, nil); err != nil {
					t.Errorf("TLS %x %s %s: %v", version, mech, name, err)
				}
				// Cyrus SASL's clients bind under the name without -PLUS.
				if _, err := scram(t, &cfg, conn, strings.TrimSuffix(mech, "-PLUS"), &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret", Flag: "p", CBName: name, CBData: data}, nil); err != nil {
					t.Errorf("TLS %x %s without -PLUS, %s: %v", version, mech, name, err)
				}
				other := append([]byte{}, data...)
				other[0] ^= 1
				_, err := scram(t, &cfg, conn, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret", Flag: "p", CBName: name, CBData: other}, nil)
				wantErr(t, mech+" "+name+" other data", err, ErrAuthFailed)
			}
		}
		_, err = scram(t, &cfg, conn, "SCRAM-SHA-256-PLUS", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret"}, nil)
		wantErr(t, "-PLUS with n", err, ErrAuthFailed)
		_, err = scram(t, &cfg, conn, "SCRAM-SHA-256-PLUS", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret", Flag: "p", CBName: "tls-nonsense"}, nil)
		wantErr(t, "unknown binding type", err, ErrAuthFailed)
		_, err = scram(t, &cfg, conn, "SCRAM-SHA-256", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret", Flag: "y"}, nil)
		wantErr(t, "y where -PLUS is offered", err, ErrAuthFailed)
		if _, err := scram(t, &cfg, conn, "SCRAM-SHA-256", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret"}, nil); err != nil {
			t.Errorf("plain SCRAM under TLS: %v", err)
		}
		// With -PLUS left out of sasl_mech_list, "y" is no downgrade.
		noPlus := cfg
		noPlus.Mechanisms = []string{"SCRAM-SHA-256"}
		if _, err := scram(t, &noPlus, conn, "SCRAM-SHA-256", &testkit.SCRAMClient{Hash: hashes["SHA-256"], User: "alice", Password: "secret", Flag: "y"}, nil); err != nil {
			t.Errorf("y without -PLUS configured: %v", err)
		}
	}
}

func TestTLSStateWithoutTLS(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if TLSState(wrapped{a}) != nil || TLSState(nil) != nil {
		t.Error("TLS state of a plain connection")
	}
	if ServerCertificate(nil) != nil || ServerCertificate(&tls.Config{}) != nil {
		t.Error("certificate of no configuration")
	}
}
