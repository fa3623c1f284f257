package embedded_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"

	"github.com/nats-io/nats.go"
)

// selfSigned makes a certificate for 127.0.0.1 and returns the server's
// TLS config and the path of the PEM file a client trusts.
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "chapar test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, caFile
}

func TestTLSListenerServesOnlyTrustingClients(t *testing.T) {
	t.Parallel()
	cfg, caFile := selfSigned(t)
	e := startEdge(t, embedded.Config{TLS: cfg})

	nc, err := nats.Connect(e.url, nats.UserInfo("events", integratorPassword), nats.RootCAs(caFile), nats.NoReconnect())
	if err != nil {
		t.Fatalf("a client trusting the certificate: %v", err)
	}
	if !nc.TLSRequired() {
		t.Error("the server does not require TLS")
	}
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Errorf("the connection is not TLS: %v", err)
	}
	nc.Close()

	// A worker's bus.Connect with nats_tls_ca.
	w, err := bus.Connect(context.Background(), bus.Config{URL: e.url, User: "stage-worker", Password: workerPassword, TLSCA: caFile, Log: testkit.Quiet()})
	if err != nil {
		t.Fatalf("worker over TLS: %v", err)
	}
	if _, err := w.NATS().TLSConnectionState(); err != nil {
		t.Errorf("the worker's connection is not TLS: %v", err)
	}
	w.Close()

	// Without the CA the certificate cannot be verified.
	if nc, err := nats.Connect(e.url, nats.UserInfo("events", integratorPassword), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Error("a client not trusting the certificate connected")
	}
}

// A listener beyond loopback starts once it has TLS.
func TestTLSListenerMayListenEverywhere(t *testing.T) {
	t.Parallel()
	cfg, _ := selfSigned(t)
	srv, err := embedded.Start(embedded.Config{
		StoreDir:   t.TempDir(),
		Listen:     "0.0.0.0:0",
		Identities: []embedded.Identity{{User: "w", Password: "p", Role: embedded.RoleWorker}},
		TLS:        cfg,
	})
	if err != nil {
		t.Fatalf("0.0.0.0 with TLS and an auth file: %v", err)
	}
	srv.Close()
}
