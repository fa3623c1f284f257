package main

import (
	"crypto/tls"
	"net"

	"chapar/access/pop3"
	"chapar/config"
	"chapar/internal/conncap"
	"chapar/internal/connorigin"
)

// startPOP3 serves POP3 (STLS) on pop3_listen and implicit TLS on
// pop3s_listen, with IMAP's certificate, plaintext rule, SASL mechanisms
// (sasl_mech_list, password check, SCRAM keys) and user-name rule.
func (n *node) startPOP3(cfg *config.Config) error {
	if len(cfg.POP3Listen) == 0 && len(cfg.POP3SListen) == 0 {
		return nil
	}
	tlsConfig, err := serverTLS(cfg, n.log)
	if err != nil {
		return err
	}
	policy := connorigin.Policy{AllowPlaintext: cfg.AllowPlaintext, RequireTLS: cfg.SASLMinimumLayer > 0}
	// SCRAM sends no password: only sasl_minimum_layer keeps it from a
	// connection without TLS, as IMAP's hashedOK.
	hashed := connorigin.Policy{AllowPlaintext: true, RequireTLS: policy.RequireTLS}
	srv := pop3.NewServer(pop3.Config{
		Store: n.store,
		Users: userRule(cfg),
		SASL:  n.saslConfig(cfg),
		// Called only before TLS: under TLS a password may always pass.
		PlaintextOK:   func(c net.Conn) bool { return policy.PlaintextOK(connorigin.Of(c), false) },
		HashedOK:      func(c net.Conn) bool { return hashed.PlaintextOK(connorigin.Of(c), false) },
		TLSConfig:     tlsConfig,
		Admins:        cfg.Admins,
		MinPoll:       cfg.POPMinPoll,
		Timeout:       cfg.POPTimeout,
		ExpireDays:    cfg.POPExpireDays,
		MaxLoginTries: cfg.MaxLoginTrys,
		ServerName:    cfg.ServerName,
		Log:           n.log.With("service", "pop3"),
	})
	n.closers = append(n.closers, srv.Close)
	// IMAP's caps, counted apart, as ManageSieve's are. RFC 2449 §8.1.2
	// SYS/TEMP: the refusal is temporary.
	caps := conncap.NewLimiter("pop3", conncap.Limits{Max: cfg.IMAPMaxConnections, PerIP: cfg.IMAPMaxConnectionsPerIP}, n.log)
	n.watchSessions("pop3", caps)
	const refusal = "-ERR [SYS/TEMP] Too many connections\r\n"
	if err := n.listen("pop3", "pop3_listen", cfg.POP3Listen, func(l net.Listener) error {
		return srv.Serve(caps.Wrap(l, refusal))
	}); err != nil {
		return err
	}
	return n.listen("pop3s", "pop3s_listen", cfg.POP3SListen, func(l net.Listener) error {
		// Outside TLS, so that a refused client reads its -ERR inside
		// the handshake it expects.
		return srv.ServeTLS(caps.Wrap(tls.NewListener(l, tlsConfig), refusal))
	})
}
