// Package embedded runs the NATS server with JetStream inside chapar's
// process, the default engine when no external cluster (nats_url) is named.
// It is the only package that links nats-server: cmd/chapar and the
// engine's tests import it, nothing else. pipeline/bus connects to it.
package embedded

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config says how to run the embedded server.
type Config struct {
	// StoreDir is where JetStream keeps its files.
	StoreDir string
	// Listen is an optional host:port on which the server also accepts
	// clients (for scaling stages out); empty means in-process only.
	Listen string
	// SyncAlways makes the server fsync every write before it acknowledges
	// it; otherwise it syncs every SyncInterval.
	SyncAlways   bool
	SyncInterval time.Duration
	// MaxPayload bounds one NATS message; 0 means DefaultMaxPayload. A
	// job whose body would not fit (with 64 KiB to spare) sends its body
	// through the CHAPAR_BODIES object store instead (pipeline/bus), so
	// this bounds only what travels inline.
	MaxPayload int32
	// Identities are the clients the listener lets in (nats_auth_file);
	// Listen needs at least one.
	Identities []Identity
	// TLS, when set, is required of every client on the listener
	// (nats_tls_cert, nats_tls_key); Listen needs it unless it is a
	// loopback address.
	TLS *tls.Config
	// Log receives the server's own log lines and the supervisor's
	// (supervise.go); nil means slog.Default().
	Log *slog.Logger
	// PollInterval is how often the supervisor checks that JetStream is
	// enabled; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// ResumeFreeSpace is the free space (bytes) StoreDir must have before
	// a JetStream disabled for lack of space is re-enabled; 0 means
	// DefaultResumeFreeSpace.
	ResumeFreeSpace int64
}

// DefaultMaxPayload is the largest NATS message the embedded server
// accepts. Jobs stay under 32 MiB anyway, the largest record JetStream's
// file store takes; the bus reads this bound from the server and keeps
// under the smaller of the two.
const DefaultMaxPayload = 64 << 20

// readyTimeout bounds the wait for a starting server.
const readyTimeout = 30 * time.Second

// Server is a running embedded NATS server.
type Server struct {
	srv *server.Server
	// internalPassword is chapar's own identity (internalUser), made at
	// start and held only here, so that an auth file can never lock
	// chapar out of its own bus.
	internalPassword string
	opts             *server.Options
	cfg              Config
	log              *slog.Logger

	// mu guards the JetStream context and the restart schedule
	// (supervise.go).
	mu          sync.Mutex
	jsCtx       context.Context
	jsCancel    context.CancelFunc
	restartedAt time.Time     // of the last restart
	backoff     time.Duration // the wait before the next restart
	nextTry     time.Time

	stop    chan struct{}
	stopped chan struct{}
}

// Start starts the server and waits until it accepts connections.
func Start(cfg Config) (*Server, error) {
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.ResumeFreeSpace <= 0 {
		cfg.ResumeFreeSpace = DefaultResumeFreeSpace
	}
	opts := &server.Options{
		ServerName:         "chapar",
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		DontListen:         cfg.Listen == "",
		MaxPayload:         cfg.MaxPayload,
		SyncAlways:         cfg.SyncAlways,
		SyncInterval:       cfg.SyncInterval,
		NoSigs:             true,
		JetStreamMaxMemory: 256 << 20,
	}
	if cfg.Listen != "" {
		host, port, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats_listen: %w", err)
		}
		if err := checkEdge(cfg, host); err != nil {
			return nil, err
		}
		if port == 0 {
			// nats-server reads 0 as its default 4222; chapar, like
			// net.Listen, as "any free port".
			port = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, port
		if port != server.RANDOM_PORT {
			if err := checkPortFree(cfg.Listen); err != nil {
				return nil, err
			}
		}
	}
	internalPassword := rand.Text()
	authorize(opts, cfg, internalPassword)
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	s := &Server{srv: srv, internalPassword: internalPassword, opts: opts, cfg: cfg, log: cfg.Log.With("component", "nats"),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	s.jsCtx, s.jsCancel = context.WithCancel(context.Background())
	fatal := make(chan string, 1)
	attach(srv, cfg.Log, s.lost, fatal)
	srv.Start()
	if err := awaitReady(srv, fatal); err != nil {
		srv.Shutdown()
		return nil, err
	}
	go s.supervise(cfg.PollInterval)
	return s, nil
}

// readyPoll is how long each look at a starting server's readiness lasts,
// between looks for a fatal error.
const readyPoll = 50 * time.Millisecond

// awaitReady waits until srv accepts connections, for at most
// readyTimeout. A fatal error ends the wait at once: nats-server reports
// a failed start (its listener's port taken, JetStream refused) only
// through its logger, whose Fatalf chapar logs rather than obeys, and the
// server never becomes ready after one.
func awaitReady(srv *server.Server, fatal <-chan string) error {
	deadline := time.Now().Add(readyTimeout)
	for !srv.ReadyForConnections(readyPoll) {
		select {
		case msg := <-fatal:
			return fmt.Errorf("embedded nats: %s", msg)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded nats: not ready after %s", readyTimeout)
		}
	}
	return nil
}

// checkPortFree binds addr (nats_listen) and lets it go, so that a taken
// port is refused with an error that names the option. nats-server binds
// it only in its accept loop, and says so only in its log; awaitReady
// still catches a port taken between the two.
func checkPortFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("nats_listen %s: %w", addr, err)
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("nats_listen %s: %w", addr, err)
	}
	return nil
}

// InProcessConn opens a connection that never leaves the process; with
// ClientURL it lets pipeline/bus connect without a TCP listener.
func (s *Server) InProcessConn() (net.Conn, error) { return s.srv.InProcessConn() }

// Credentials is chapar's own identity on the server, with every
// permission; pipeline/bus presents it on the in-process connection.
func (s *Server) Credentials() (user, password string) {
	return internalUser, s.internalPassword
}

// ListenAddr is the address of the TCP listener (nats_listen), with the
// port the kernel chose for port 0; "" without one.
func (s *Server) ListenAddr() string {
	if a := s.srv.Addr(); a != nil {
		return a.String()
	}
	return ""
}

// ClientURL is the server's client address.
func (s *Server) ClientURL() string { return s.srv.ClientURL() }

// Close stops the server and waits until it has stopped.
func (s *Server) Close() {
	close(s.stop)
	<-s.stopped
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.jsCancel()
}

// checkEdge refuses a listener that would let anyone in (issue 9: an
// anonymous client read every job, forged one and deleted CHAPAR_JOBS), or
// that would carry passwords and whole messages in clear beyond this
// machine.
func checkEdge(cfg Config, host string) error {
	if len(cfg.Identities) == 0 {
		return errors.New("nats_listen needs nats_auth_file")
	}
	if cfg.TLS == nil && !IsLoopback(host) {
		return fmt.Errorf("nats_listen on %s, beyond loopback, needs nats_tls_cert and nats_tls_key", cfg.Listen)
	}
	return nil
}

// IsLoopback reports whether a listen host reaches only this machine. An
// empty host, like 0.0.0.0, listens everywhere.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authorize turns on nats-server's authorization: chapar's own identity,
// with every permission (nil Permissions), and those of the auth file.
// With any user configured, nats-server refuses anonymous clients, the
// in-process ones included.
func authorize(opts *server.Options, cfg Config, internalPassword string) {
	opts.Users = []*server.User{{Username: internalUser, Password: internalPassword}}
	for _, id := range cfg.Identities {
		if id.Nkey != "" {
			opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: id.Nkey, Permissions: id.Role.permissions(id.Name())})
			continue
		}
		opts.Users = append(opts.Users, &server.User{Username: id.User, Password: id.Password, Permissions: id.Role.permissions(id.Name())})
	}
	if cfg.TLS != nil {
		opts.TLSConfig = cfg.TLS
		opts.TLS = true
		opts.TLSTimeout = 2 // seconds, nats-server's default
	}
}
