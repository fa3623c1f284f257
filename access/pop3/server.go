package pop3

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"chapar/access/sasl"
	"chapar/internal/connset"
	"chapar/store"
)

// Config configures the POP3 service.
type Config struct {
	Store *store.Store
	// Authenticate checks a password; nil means Store.Authenticate. It
	// is what a nil SASL checks passwords with.
	Authenticate func(user, pass string) (bool, error)
	// SASL is the mechanisms AUTH offers and how they check credentials
	// (sasl_mech_list; access/sasl), and the check of USER/PASS; nil
	// means sasl.DefaultMechanisms over Authenticate, Users and the
	// store's SCRAM keys.
	SASL *sasl.Config
	// PlaintextOK says whether a password may cross a connection not
	// (yet) under TLS: the rule IMAP and ManageSieve apply
	// (allowplaintext, sasl_minimum_layer). nil allows it only under TLS.
	PlaintextOK func(c net.Conn) bool
	// HashedOK says whether SCRAM, which never sends the password, may be
	// used on a connection not (yet) under TLS: false only where
	// sasl_minimum_layer asks for TLS. nil allows it.
	HashedOK func(c net.Conn) bool
	// TLSConfig enables STLS and ServeTLS; nil leaves them out.
	TLSConfig *tls.Config
	// Admins may act as other users (PLAIN's authorization identity).
	Admins []string
	// Users is virtdomains/defaultdomain: what user a login name means.
	Users store.UserRule
	// MinPoll is popminpoll: the least time between two logins of one
	// user; 0 = none.
	MinPoll time.Duration
	// Timeout is poptimeout, the autologout timer; default and least 10
	// minutes (RFC 1939 §3).
	Timeout time.Duration
	// ExpireDays is popexpiretime, advertised by CAPA EXPIRE (RFC 2449
	// §6.7); negative is NEVER. chapar removes nothing by itself: it is
	// a hint to clients, as in Cyrus.
	ExpireDays int
	// MaxLoginTries failed logins end the connection; 0 = unlimited.
	MaxLoginTries int
	// FailureDelay is waited after a failed login; default 1s.
	FailureDelay time.Duration
	// ServerName is said in the greeting.
	ServerName string
	Log        *slog.Logger
	// now is the clock of popminpoll; tests set it.
	now func() time.Time
}

// MinTimeout is the least autologout timer RFC 1939 §3 allows.
const MinTimeout = 10 * time.Minute

// Server serves POP3 on any number of listeners.
type Server struct {
	cfg    Config
	sasl   *sasl.Config
	admins map[string]bool
	log    *slog.Logger

	sessions connset.Set
	mu       sync.Mutex
	// locked holds the maildrops a session has, by mailbox unique ID;
	// lastLogin the time of each user's last login (popminpoll).
	locked    map[string]bool
	lastLogin map[string]time.Time
}

// NewServer prepares a server; Serve and ServeTLS run it on a listener.
func NewServer(cfg Config) *Server {
	if cfg.Authenticate == nil && cfg.Store != nil {
		cfg.Authenticate = cfg.Store.Authenticate
	}
	if cfg.HashedOK == nil {
		cfg.HashedOK = func(net.Conn) bool { return true }
	}
	if cfg.PlaintextOK == nil {
		cfg.PlaintextOK = func(net.Conn) bool { return false }
	}
	if cfg.FailureDelay == 0 {
		cfg.FailureDelay = time.Second
	}
	if cfg.Timeout < MinTimeout {
		cfg.Timeout = MinTimeout
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "localhost"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Log, admins: map[string]bool{},
		locked: map[string]bool{}, lastLogin: map[string]time.Time{}}
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

// Serve accepts POP3 connections on l (STLS upgrades them) until Close.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, false) }

// ServeTLS accepts POP3S connections: l yields TLS connections already
// (tls.NewListener), so every session is secure from its greeting.
func (s *Server) ServeTLS(l net.Listener) error { return s.serve(l, true) }

func (s *Server) serve(inner net.Listener, secure bool) error {
	return s.sessions.Serve(inner, "pop3", s.log, func(c net.Conn) { newSession(s, c, secure).serve() })
}

// Close stops the listeners and ends every session; a session cut off
// this way applies none of its deletions (RFC 1939 §6).
func (s *Server) Close() error {
	s.sessions.Close()
	return nil
}

// lock takes the maildrop of mailbox id for one session, or says it is
// held: Cyrus's pop3d gives a maildrop to one POP3 session at a time
// (RFC 1939 §8 suggests an exclusive lock). IMAP sessions are not
// counted. The lock lives in this process: POP3 frontends on several
// nodes would need it in JetStream KV.
func (s *Server) lock(id string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[id] {
		return nil, false
	}
	s.locked[id] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.locked, id)
			s.mu.Unlock()
		})
	}, true
}

// pollTooSoon says how long user must still wait under popminpoll
// since the last login recordLogin noted. The record is in memory: a
// restart forgets it (Cyrus keeps it in the mailbox's index header).
func (s *Server) pollTooSoon(user string) time.Duration {
	if s.cfg.MinPoll <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.lastLogin[user]; ok {
		if wait := s.cfg.MinPoll - s.cfg.now().Sub(last); wait > 0 {
			return wait
		}
	}
	return 0
}

// recordLogin notes a login that got its maildrop, for popminpoll: one
// refused [IN-USE] does not count, as in Cyrus, which checks the time
// with the maildrop locked.
func (s *Server) recordLogin(user string) {
	if s.cfg.MinPoll <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastLogin[user] = s.cfg.now()
}
