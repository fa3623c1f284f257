// Package embedded runs the NATS server with JetStream inside chapar's
// process, the default engine when no external cluster (nats_url) is named.
// It is the only package that links nats-server: cmd/chapar and the
// engine's tests import it, nothing else. pipeline/bus connects to it.
package embedded

import (
	"fmt"
	"net"
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
}

// Start starts the server and waits until it accepts connections.
func Start(cfg Config) (*Server, error) {
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultMaxPayload
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
		NoLog:              true,
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
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after %s", readyTimeout)
	}
	return &Server{srv: srv}, nil
}

// InProcessConn opens a connection that never leaves the process; with
// ClientURL it lets pipeline/bus connect without a TCP listener.
func (s *Server) InProcessConn() (net.Conn, error) { return s.srv.InProcessConn() }

// ClientURL is the server's client address.
func (s *Server) ClientURL() string { return s.srv.ClientURL() }

// Close stops the server and waits until it has stopped.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}
