package main

import (
	"crypto/tls"
	"fmt"

	"chapar/config"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"
)

// embeddedEdge reads what the embedded server's listener lets in: the
// identities of nats_auth_file and the TLS pair of nats_tls_cert and
// nats_tls_key. Without nats_listen there is no listener and nothing to read.
func embeddedEdge(cfg *config.Config) ([]embedded.Identity, *tls.Config, error) {
	if cfg.NATSListen == "" {
		return nil, nil, nil
	}
	var ids []embedded.Identity
	if cfg.NATSAuthFile != "" {
		var err error
		if ids, err = embedded.LoadAuthFile(cfg.NATSAuthFile); err != nil {
			return nil, nil, err
		}
	}
	if cfg.NATSTLSCert == "" {
		return ids, nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cfg.NATSTLSCert, cfg.NATSTLSKey)
	if err != nil {
		return nil, nil, fmt.Errorf("nats_tls_cert %s / nats_tls_key %s: %w", cfg.NATSTLSCert, cfg.NATSTLSKey, err)
	}
	return ids, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// workerAuth sets the credentials a worker presents to nats_url.
func workerAuth(bc *bus.Config, cfg *config.Config) {
	bc.User, bc.Password = cfg.NATSUser, cfg.NATSPassword
	bc.NkeySeedFile = cfg.NATSNkeySeedFile
	bc.TLSCA = cfg.NATSTLSCA
}
