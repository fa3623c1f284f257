package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"chapar/access/imap"
	"chapar/config"
	"chapar/internal/conncap"
	"chapar/notify"
	"chapar/store"
)

// startIMAP serves IMAP (STARTTLS) on imap_listen and implicit TLS on
// imaps_listen, woken by change events through one hub subscription.
func (n *node) startIMAP(ctx context.Context, cfg *config.Config) error {
	if len(cfg.IMAPListen) == 0 && len(cfg.IMAPSListen) == 0 {
		return nil
	}
	tlsConfig, err := serverTLS(cfg, n.log)
	if err != nil {
		return err
	}
	hub, err := notify.NewHub(n.bus, n.log.With("service", "idle"))
	if err != nil {
		return fmt.Errorf("imap: event hub: %w", err)
	}
	n.closers = append(n.closers, hub.Close)
	srv := imap.NewServer(imap.Config{
		Store:            n.store,
		Hub:              hub,
		UnixHierarchySep: cfg.UnixHierarchySep,
		AltNamespace:     cfg.AltNamespace,
		Admins:           cfg.Admins,
		Users:            userRule(cfg),
		Authenticate:     n.passwordCheck(cfg),
		SASL:             n.saslConfig(cfg),
		AllowPlaintext:   cfg.AllowPlaintext,
		// Cyrus's sasl_minimum_layer is the least SASL security strength
		// a login must have; chapar's only layer is TLS, so any minimum
		// at all asks for TLS (a Unix socket is reachable only through
		// the file system and counts as one).
		RequireTLSForAuth: cfg.SASLMinimumLayer > 0,
		TLSConfig:         tlsConfig,
		MaxMessageSize:    cfg.EffectiveMaxMessageSize(),
		QuotaWarn:         cfg.QuotaWarn,
		AutoLogout:        cfg.Timeout,
		MaxConnsPerUser:   unlimitedIfZero(cfg.MaxLoginsPerUser),
		MaxLoginTries:     unlimitedIfZero(cfg.MaxLoginTrys),
		MaxCommandSize:    maxCommandSize(cfg.IMAPMaxCommandSize),
		MaxBodySearches:   unlimitedIfZero(cfg.IMAPMaxBodySearches),
		Metadata:          metadataLimits(cfg),
		ServerName:        cfg.ServerName,
		Logger:            n.log.With("service", "imap"),
	})
	n.closers = append(n.closers, srv.Close)
	// One count for imap and imaps together. RFC 9051 §7.1.5 allows BYE as
	// the greeting of a server that will not serve the connection; RFC
	// 5530 §3 UNAVAILABLE says the cause is temporary.
	caps := conncap.NewLimiter("imap", conncap.Limits{Max: cfg.IMAPMaxConnections, PerIP: cfg.IMAPMaxConnectionsPerIP}, n.log)
	n.watchSessions("imap", caps)
	n.imap = srv
	const refusal = "* BYE [UNAVAILABLE] Too many connections\r\n"
	if err := n.listen("imap", "imap_listen", cfg.IMAPListen, func(l net.Listener) error {
		return srv.Serve(caps.Wrap(l, refusal))
	}); err != nil {
		return err
	}
	return n.listen("imaps", "imaps_listen", cfg.IMAPSListen, func(l net.Listener) error {
		// Outside TLS, so that a refused imaps client reads its BYE
		// inside the handshake it expects.
		return srv.ServeTLS(caps.Wrap(tls.NewListener(l, tlsConfig), refusal))
	})
}

// maxCommandSize maps imap_maxcommandsize (0 = unlimited) onto the IMAP
// server's limit (negative = unlimited).
func maxCommandSize(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// unlimitedIfZero maps a Cyrus limit where 0 means unlimited
// (maxlogins_per_user, maxlogintrys) onto the IMAP server's, where 0 is
// "the default" and negative means unlimited.
// metadataLimits are imap_metadata_maxsize and imap_metadata_maxentries,
// where 0 means unlimited, as imap.Config takes them.
func metadataLimits(cfg *config.Config) store.MetadataLimits {
	return store.MetadataLimits{
		MaxSize:    unlimitedIfZero(int(cfg.IMAPMetadataMaxSize)),
		MaxEntries: unlimitedIfZero(cfg.IMAPMetadataMaxEntries),
	}
}

func unlimitedIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
