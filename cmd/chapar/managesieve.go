package main

import (
	"net"
	"slices"

	"chapar/access/managesieve"
	"chapar/config"
	"chapar/filter/sieve"
	"chapar/internal/conncap"
	"chapar/internal/connorigin"
)

// startManageSieve serves ManageSieve (RFC 5804) on sieve_listen, with
// STARTTLS, the IMAP password rules and the compiler the sieve stage uses,
// so that a script ManageSieve accepts is one the stage runs.
func (n *node) startManageSieve(cfg *config.Config) error {
	if len(cfg.SieveListen) == 0 {
		return nil
	}
	tlsConfig, err := serverTLS(cfg, n.log)
	if err != nil {
		return err
	}
	// allowplaintext and sasl_minimum_layer decide as they do for IMAP.
	policy := connorigin.Policy{AllowPlaintext: cfg.AllowPlaintext, RequireTLS: cfg.SASLMinimumLayer > 0}
	hashed := connorigin.Policy{AllowPlaintext: true, RequireTLS: policy.RequireTLS}
	extensions := sieve.Capabilities(cfg.SieveExtensions)
	var notifyMethods []string
	if slices.Contains(extensions, "enotify") {
		notifyMethods = sieve.NotifyMethods
	}
	srv := managesieve.NewServer(managesieve.Config{
		Store:        n.store,
		Users:        userRule(cfg),
		Authenticate: n.passwordCheck(cfg),
		// Called only before TLS: under TLS a password may always pass.
		PlaintextOK: func(c net.Conn) bool { return policy.PlaintextOK(connorigin.Of(c), false) },
		// SCRAM sends no password: only sasl_minimum_layer stops it.
		HashedOK:      func(c net.Conn) bool { return hashed.PlaintextOK(connorigin.Of(c), false) },
		SASL:          n.saslConfig(cfg),
		TLSConfig:     tlsConfig,
		Check:         checkSieveScript(cfg),
		Extensions:    extensions,
		NotifyMethods: notifyMethods,
		MaxScriptSize: cfg.SieveMaxScriptSize,
		MaxScripts:    cfg.SieveMaxScripts,
		MaxLoginTries: cfg.MaxLoginTrys,
		Admins:        cfg.Admins,
		Timeout:       cfg.Timeout,
		Log:           n.log.With("service", "managesieve"),
	})
	n.closers = append(n.closers, srv.Close)
	// IMAP's caps (imap_maxconnections, imap_maxconnections_per_ip),
	// counted apart: a ManageSieve session is as costly as an idle IMAP
	// one, and a flood of either must not lock users out of the other.
	// RFC 5804 §1.3: BYE may be the greeting, and TRYLATER says the cause
	// is temporary.
	caps := conncap.NewLimiter("managesieve", conncap.Limits{Max: cfg.IMAPMaxConnections, PerIP: cfg.IMAPMaxConnectionsPerIP}, n.log)
	n.watchSessions("managesieve", caps)
	const refusal = "BYE (TRYLATER) \"Too many connections\"\r\n"
	return n.listen("managesieve", "sieve_listen", cfg.SieveListen, func(l net.Listener) error {
		return srv.Serve(caps.Wrap(l, refusal))
	})
}
