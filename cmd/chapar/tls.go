package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"chapar/config"
)

// serverTLS loads tls_server_cert/tls_server_key, or, when neither is set,
// a self-signed pair kept under configdirectory/tls (made on first start),
// so that STARTTLS works out of the box; clients will not trust it, hence
// the warning.
func serverTLS(cfg *config.Config, log *slog.Logger) (*tls.Config, error) {
	certFile, keyFile := cfg.TLSServerCert, cfg.TLSServerKey
	if certFile == "" && keyFile == "" {
		dir := filepath.Join(cfg.ConfigDirectory, "tls")
		certFile, keyFile = filepath.Join(dir, "selfsigned.crt"), filepath.Join(dir, "selfsigned.key")
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := writeSelfSigned(dir, certFile, keyFile, cfg.ServerName); err != nil {
				return nil, fmt.Errorf("self-signed certificate: %w", err)
			}
		}
		log.Warn("no tls_server_cert configured: using a self-signed certificate that clients will not trust", "cert", certFile)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls_server_cert %s / tls_server_key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		// tls_versions and tls_ciphers; Go offers every TLS 1.3 suite,
		// so CipherSuites binds TLS 1.2 and earlier only.
		MinVersion:   cfg.TLSMinVersion,
		MaxVersion:   cfg.TLSMaxVersion,
		CipherSuites: cfg.TLSCipherSuites,
	}, nil
}

func writeSelfSigned(dir, certFile, keyFile, host string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	if host == "" {
		host = "localhost"
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host, Organization: []string{"chapar self-signed"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{host, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
