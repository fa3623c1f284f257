package managesieve

import (
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"chapar/access/sasl"
	"chapar/internal/connset"
	"chapar/store"
)

// Config configures the ManageSieve service.
type Config struct {
	Store *store.Store
	// Authenticate checks a password; nil means Store.Authenticate.
	Authenticate func(user, pass string) (bool, error)
	// PlaintextOK says whether PLAIN and LOGIN may be used on a
	// connection not (yet) under TLS: the same rule as IMAP's
	// allowplaintext. nil allows them only under TLS.
	PlaintextOK func(c net.Conn) bool
	// HashedOK says whether SCRAM, which never sends the password, may be
	// used on a connection not under TLS: false only where
	// sasl_minimum_layer asks for TLS. nil allows it everywhere.
	HashedOK func(c net.Conn) bool
	// SASL is the mechanisms offered and how they check credentials
	// (sasl_mech_list; access/sasl); nil means every mechanism, checked
	// with Authenticate and the store's SCRAM keys.
	SASL *sasl.Config
	// TLSConfig enables STARTTLS; nil leaves it out.
	TLSConfig *tls.Config
	// Check compiles a script as the sieve stage will, returning an error
	// that names the line ("line 3: ..."); PUTSCRIPT and CHECKSCRIPT
	// refuse what it refuses.
	Check func(user string, script []byte) error
	// Extensions is the SIEVE capability: the extensions the sieve stage
	// supports, in the order advertised. NotifyMethods is the NOTIFY one.
	Extensions    []string
	NotifyMethods []string
	// MaxScriptSize bounds one script in bytes (sieve_maxscriptsize);
	// MaxScripts the scripts of one user (sieve_maxscripts). 0: no bound.
	MaxScriptSize int64
	MaxScripts    int
	// MaxLoginTries failed AUTHENTICATE commands end the connection.
	MaxLoginTries int
	// FailureDelay is waited after a failed authentication; default 1s
	// (tests set less).
	FailureDelay time.Duration
	// Admins may act as other users (the authorization identity of PLAIN).
	Admins []string
	// Users is virtdomains/defaultdomain: what user a login name means.
	Users store.UserRule
	// Timeout ends an idle connection; default 30 minutes.
	Timeout time.Duration
	Log     *slog.Logger
}

// Server serves ManageSieve on any number of listeners.
type Server struct {
	cfg    Config
	sasl   *sasl.Config
	admins map[string]bool
	log    *slog.Logger

	sessions connset.Set
}

// NewServer prepares a server; Serve runs it on a listener.
func NewServer(cfg Config) *Server {
	if cfg.Authenticate == nil && cfg.Store != nil {
		cfg.Authenticate = cfg.Store.Authenticate
	}
	if cfg.PlaintextOK == nil {
		cfg.PlaintextOK = func(net.Conn) bool { return false }
	}
	if cfg.HashedOK == nil {
		cfg.HashedOK = func(net.Conn) bool { return true }
	}
	if cfg.FailureDelay == 0 {
		cfg.FailureDelay = time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Log, admins: map[string]bool{}}
	for _, a := range cfg.Admins {
		s.admins[cfg.Users.Canonical(a)] = true
	}
	s.sasl = cfg.SASL
	if s.sasl == nil {
		s.sasl = &sasl.Config{Canonical: cfg.Users.Canonical, CheckPassword: cfg.Authenticate}
		if cfg.Store != nil {
			s.sasl.SCRAMKeys = cfg.Store.SCRAMKeys
		}
	}
	return s
}

// Serve accepts connections on l until Close.
func (s *Server) Serve(inner net.Listener) error {
	return s.sessions.Serve(inner, "managesieve", s.log, func(c net.Conn) { newSession(s, c).serve() })
}

// Close stops the listeners and ends every session.
func (s *Server) Close() error {
	s.sessions.Close()
	return nil
}
