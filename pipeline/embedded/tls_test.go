package embedded_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"chapar/internal/testkit"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"

	"github.com/nats-io/nats.go"
)

// selfSigned makes a certificate for 127.0.0.1 and returns the server's
// TLS config and the path of the PEM file a client trusts.
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	cfg := testkit.SelfSignedTLS(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	der := cfg.Certificates[0].Certificate[0]
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, caFile
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
