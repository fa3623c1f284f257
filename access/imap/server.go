package imap

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"chapar/access/sasl"
	"chapar/internal/acceptretry"
	"chapar/internal/connorigin"
	"chapar/notify"
	"chapar/store"
)

// Config configures a Server; cmd/chapar fills it from imapd.conf.
type Config struct {
	Store            *store.Store
	Hub              *notify.Hub // change events; nil = no push
	UnixHierarchySep bool        // '/' (true) or '.' as the separator clients see
	AltNamespace     bool        // personal folders as siblings of INBOX
	Admins           []string
	// Users is virtdomains/defaultdomain: what user a LOGIN name means.
	Users          store.UserRule
	Authenticate   func(user, pass string) (bool, error) // nil = Store.Authenticate
	AllowPlaintext bool                                  // LOGIN / AUTHENTICATE PLAIN without TLS on any connection, not only local ones
	TLSConfig      *tls.Config                           // enables STARTTLS; nil = no STARTTLS
	MaxMessageSize int64                                 // APPENDLIMIT; 0 = unlimited
	QuotaWarn      int                                   // quotawarn: percent of a quota past which SELECT alerts
	AutoLogout     time.Duration                         // idle timeout, default 30m (RFC 9051 §5.4)
	ServerName     string
	Logger         *slog.Logger

	// RequireTLSForAuth refuses authentication without TLS on every
	// connection but Unix sockets, loopback included, whatever
	// AllowPlaintext says (sasl_minimum_layer > 0: chapar has no SASL
	// security layer, so TLS is the only layer it can offer). Without it,
	// loopback and Unix-socket connections count as secure.
	RequireTLSForAuth bool

	// MaxConnsPerUser bounds the sessions one user may have open at once
	// (Cyrus's maxlogins_per_user); 0 = 100, negative = unlimited.
	MaxConnsPerUser int
	// FailedLoginDelay slows password guessing: the base of the delay
	// before a failed login's NO, which doubles with further failures of
	// the same user or source address (throttle.go); 0 = 1s, negative =
	// none.
	FailedLoginDelay time.Duration
	// MaxLoginTries is how many failed LOGIN or AUTHENTICATE commands one
	// connection may make before it is answered BYE and closed (Cyrus's
	// maxlogintrys); 0 = 3, Cyrus's default, negative = unlimited.
	MaxLoginTries int
	// IdleKeepalive is how often "* OK Still here" is sent during IDLE;
	// 0 = 2 minutes.
	IdleKeepalive time.Duration
	// PreAuthTimeout is the idle timeout before authentication, so that
	// connections that never log in do not linger as long as AutoLogout
	// lets authenticated ones; 0 = 60 seconds, and never more than
	// AutoLogout.
	PreAuthTimeout time.Duration
	// MaxCommandSize bounds one command's lines and string literals
	// together, APPEND's messages excepted (imap_maxcommandsize);
	// 0 = DefaultMaxCommandSize, negative = unlimited.
	MaxCommandSize int64
	// MaxBodySearches bounds the message bodies SEARCH BODY and TEXT read
	// at once across the server (imap_maxbodysearches); past it a search
	// waits for a slot. 0 = DefaultMaxBodySearches, negative = unlimited.
	MaxBodySearches int

	// SASL is the mechanisms offered and how they check credentials
	// (sasl_mech_list; access/sasl); nil means every mechanism, checked
	// with Authenticate and the store's SCRAM keys.
	SASL *sasl.Config
	// Metadata bounds SETMETADATA (imap_metadata_maxsize,
	// imap_metadata_maxentries); 0 = the default, negative = none.
	Metadata store.MetadataLimits
}

// DefaultMaxCommandSize is 8 MiB: 128 lines at the 64 KiB line limit and
// the 1 MiB of string literals a command may carry, with room to spare. A
// command that legitimately needs more than a line or two (a SEARCH with
// literal strings, a MULTIAPPEND's flags and dates) stays far below it.
const DefaultMaxCommandSize = 8 << 20

// Server accepts IMAP connections.
type Server struct {
	cfg    Config
	log    *slog.Logger
	admins map[string]bool

	closing atomic.Bool
	done    chan struct{}

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	perUser   map[string]int
	wg        sync.WaitGroup
	nextID    atomic.Uint64
	// idling counts the sessions in IDLE (stats.go).
	idling atomic.Int64

	// readHook, set by tests, is told of every message or index read
	// (see body.go).
	readHook atomic.Pointer[func(readKind)]
	// delayHook, set by tests, is told of every failed-login delay before
	// it is slept, so that tests assert the delay chosen, not the time.
	delayHook atomic.Pointer[func(time.Duration)]
	// originHook, set by tests, replaces connorigin.Of, so that a loopback
	// test connection can stand for a remote one.
	originHook atomic.Pointer[func(net.Conn) connorigin.Origin]

	// throttle chooses the delay of a failed login (throttle.go).
	throttle *loginThrottle

	// responses caches ENVELOPE and BODYSTRUCTURE texts (respcache.go).
	responses *responseCache
	// sortKeys caches what SORT and THREAD compare (sortcache.go).
	sortKeys *sortKeyCache
	// metadata tells NOTIFY sessions of METADATA changes (notify_metadata.go).
	metadata metadataSignal

	// skipped counts the bytes of refused commands passed over unparsed.
	skipped atomic.Int64

	// bodySearches bounds the bodies searched at once (bodysearch.go).
	bodySearches *bodySearchGate

	// sasl is Config.SASL, or the default built from the Config.
	sasl *sasl.Config
}

// NewServer makes a server; it serves nothing until Serve or ServeTLS.
func NewServer(cfg Config) *Server {
	if cfg.AutoLogout <= 0 {
		cfg.AutoLogout = 30 * time.Minute
	}
	if cfg.PreAuthTimeout <= 0 {
		cfg.PreAuthTimeout = time.Minute
	}
	cfg.PreAuthTimeout = min(cfg.PreAuthTimeout, cfg.AutoLogout)
	if cfg.MaxConnsPerUser == 0 {
		cfg.MaxConnsPerUser = 100
	}
	if cfg.MaxLoginTries == 0 {
		cfg.MaxLoginTries = 3
	}
	if cfg.FailedLoginDelay == 0 {
		cfg.FailedLoginDelay = time.Second
	}
	if cfg.MaxCommandSize == 0 {
		cfg.MaxCommandSize = DefaultMaxCommandSize
	}
	if cfg.MaxBodySearches == 0 {
		cfg.MaxBodySearches = DefaultMaxBodySearches
	}
	if cfg.IdleKeepalive <= 0 {
		cfg.IdleKeepalive = 2 * time.Minute
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "chapar"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Authenticate == nil && cfg.Store != nil {
		cfg.Authenticate = cfg.Store.Authenticate
	}
	s := &Server{
		cfg:       cfg,
		responses: newResponseCache(responseCacheBytes),
		sortKeys:  newSortKeyCache(sortCacheMessages),
		log:       cfg.Logger,
		admins:    map[string]bool{},
		done:      make(chan struct{}),
		listeners: map[net.Listener]struct{}{},
		sessions:  map[*session]struct{}{},
		perUser:   map[string]int{},
		throttle:  newLoginThrottle(cfg.FailedLoginDelay),

		bodySearches: newBodySearchGate(cfg.MaxBodySearches),
	}
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
	if (!cfg.AllowPlaintext || cfg.RequireTLSForAuth) && cfg.TLSConfig == nil {
		s.log.Warn("imap: plaintext logins are refused and no TLS is configured: only local connections can log in over a plain listener")
	}
	return s
}

// originOf says where c comes from (chapar/internal/connorigin).
func (s *Server) originOf(c net.Conn) connorigin.Origin {
	if h := s.originHook.Load(); h != nil {
		return (*h)(c)
	}
	return connorigin.Of(c)
}

// ErrServerClosed is returned by Serve after Close; it is a net.ErrClosed,
// as a closed listener's error would be.
var ErrServerClosed = fmt.Errorf("imap: server closed: %w", net.ErrClosed)

// Serve accepts plain connections on l; STARTTLS upgrades them when a
// TLSConfig is set.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, false) }

// ServeTLS accepts connections on a listener that is already TLS (imaps):
// they are secure from the start.
func (s *Server) ServeTLS(l net.Listener) error { return s.serve(l, true) }

func (s *Server) serve(inner net.Listener, secure bool) error {
	// Accept retries what passes by waiting (out of descriptors, an
	// aborted handshake): a loop that returned on them would stop the
	// listener for good.
	l := acceptretry.Wrap(inner, s.log, "imap")
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			return fmt.Errorf("imap: accept: %w", err)
		}
		sess := newSession(s, c, secure)
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			c.Close()
			return ErrServerClosed
		}
		s.sessions[sess] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			sess.serve()
			s.mu.Lock()
			delete(s.sessions, sess)
			s.mu.Unlock()
		}()
	}
}

// Close stops the listeners and ends every session with "* BYE", waiting a
// little for them to say it.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing.Swap(true) {
		s.mu.Unlock()
		return nil
	}
	close(s.done)
	var err error
	for l := range s.listeners {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	for sess := range s.sessions {
		sess.interrupt()
	}
	s.mu.Unlock()
	ended := make(chan struct{})
	go func() { s.wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		s.mu.Lock()
		for sess := range s.sessions {
			sess.raw.Close()
		}
		s.mu.Unlock()
		<-ended
	}
	return err
}

// acquireUser counts a session of user against MaxConnsPerUser.
func (s *Server) acquireUser(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxConnsPerUser > 0 && s.perUser[user] >= s.cfg.MaxConnsPerUser {
		return false
	}
	s.perUser[user]++
	return true
}

func (s *Server) releaseUser(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[user]--; s.perUser[user] <= 0 {
		delete(s.perUser, user)
	}
}
