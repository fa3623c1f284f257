// Package ingest is chapar's LMTP service (RFC 2033): it checks recipients
// against the mailbox list, takes the message, and publishes one job per
// transaction to the pipeline, answering 250 only once the job is durable.
package ingest

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"chapar/internal/acceptretry"
	"chapar/internal/metrics"
	"chapar/pipeline"
	"chapar/store"

	"github.com/emersion/go-smtp"
)

// Config configures the LMTP service.
type Config struct {
	Store *store.Store
	// Submitter makes each transaction's job durable in the pipeline.
	Submitter pipeline.Submitter
	Hostname  string
	// MaxMessageSize bounds DATA (552 5.3.4 past it).
	MaxMessageSize int64
	// OutcomeWait is how long DATA waits for the pipeline's per-recipient
	// outcome before answering on the durable queue alone.
	OutcomeWait time.Duration
	// Users is virtdomains/defaultdomain: which account a recipient's
	// local part and domain name, by the rule LOGIN uses too.
	Users store.UserRule
	// PostUser is Cyrus's postuser: "postuser+folder" posts to the shared
	// folder "folder".
	PostUser string
	// DowncaseRcpt is Cyrus's lmtp_downcase_rcpt.
	DowncaseRcpt bool
	// OverQuotaPermanent is Cyrus's lmtp_over_quota_perm_failure: a
	// recipient whose mailbox is full gets 552 5.2.2 at RCPT, not 452.
	OverQuotaPermanent bool
	// StrictQuota is Cyrus's lmtp_strict_quota: at RCPT, a message of the
	// size MAIL FROM announced (SIZE=) must fit, not only find room.
	StrictQuota bool
	Log         *slog.Logger
	// Metrics receives LMTP's series; nil keeps none.
	Metrics *metrics.Registry
}

// Server serves LMTP on any number of listeners.
type Server struct {
	cfg     Config
	smtp    *smtp.Server
	metrics lmtpMetrics
}

// NewServer builds the LMTP server.
func NewServer(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, metrics: newLMTPMetrics(cfg.Metrics)}
	srv := smtp.NewServer(&backend{s: s})
	srv.LMTP = true
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageSize
	srv.MaxRecipients = 1000
	// RFC 6531: the store keeps header bytes as they came (no munging
	// of 8-bit characters to 'X', unlike Cyrus's munge8bit) and IMAP
	// serves them unchanged, so UTF-8 headers and addresses are taken.
	srv.EnableSMTPUTF8 = true
	// go-smtp applies this to the lines inside DATA as well as to commands.
	// Body lines past RFC 5322's 998 octets are common (HTML, unfolded
	// base64) and Cyrus takes them; 4000 refused such mail.
	srv.MaxLineLength = 1 << 20
	srv.ReadTimeout = 10 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogAdapter{cfg.Log}
	s.smtp = srv
	return s
}

// Serve accepts LMTP connections on l until Close. go-smtp v0.25.1's own
// loop retries only errors whose net.Error.Temporary is true (EMFILE,
// ENFILE, ECONNABORTED, ECONNRESET, EINTR, EAGAIN) and returns on the rest,
// ENOBUFS and ENOMEM among them, logging every retry; the wrapped listener
// retries all of them itself, logging once per streak, so go-smtp sees only
// connections and the close.
func (s *Server) Serve(l net.Listener) error {
	return s.smtp.Serve(qualifyingListener{acceptretry.Wrap(l, s.cfg.Log, "lmtp")})
}

// qualifyingListener hands go-smtp connections that qualify bare
// recipients (see qualifyingConn).
type qualifyingListener struct{ net.Listener }

func (l qualifyingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newQualifyingConn(c), nil
}

// Close stops accepting and closes open sessions.
func (s *Server) Close() error { return s.smtp.Close() }

type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c, remote: c.Conn().RemoteAddr().String()}, nil
}

type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.log.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Println(v ...any)               { a.log.Warn(fmt.Sprint(v...)) }
