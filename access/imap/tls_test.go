package imap

import (
	"crypto/tls"
	"testing"

	"chapar/internal/testkit"
)

// testTLSConfig makes a self-signed certificate for 127.0.0.1.
func testTLSConfig(t testing.TB) *tls.Config { return testkit.SelfSignedTLS(t) }
