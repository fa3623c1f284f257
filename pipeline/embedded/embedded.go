// Package embedded runs the NATS server with JetStream inside chapar's
// process, the default engine when no external cluster (nats_url) is named.
// It is the only package that links nats-server: cmd/chapar and the
// engine's tests import it, nothing else. pipeline/bus connects to it.
package embedded

import (
	"context"
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
	// MaxPayload bounds one NATS message, and so one job (the message body
	// travels inside the job); 0 means DefaultMaxPayload.
	MaxPayload int32
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

// DefaultMaxPayload is the largest NATS message the embedded server accepts.
const DefaultMaxPayload = 64 << 20

// readyTimeout bounds the wait for a starting server.
const readyTimeout = 30 * time.Second

// Server is a running embedded NATS server.
type Server struct {
	srv  *server.Server
	opts *server.Options
	cfg  Config
	log  *slog.Logger

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
		opts.Host, opts.Port = host, port
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	s := &Server{srv: srv, opts: opts, cfg: cfg, log: cfg.Log.With("component", "nats"),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	s.jsCtx, s.jsCancel = context.WithCancel(context.Background())
	attach(srv, cfg.Log, s.lost)
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after %s", readyTimeout)
	}
	go s.supervise(cfg.PollInterval)
	return s, nil
}

// InProcessConn opens a connection that never leaves the process; with
// ClientURL it lets pipeline/bus connect without a TCP listener.
func (s *Server) InProcessConn() (net.Conn, error) { return s.srv.InProcessConn() }

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
