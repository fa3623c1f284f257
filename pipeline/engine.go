// Package pipeline is chapar's message bus: the embedded NATS server with
// JetStream (or a connection to an external cluster), the streams, subjects
// and consumers every stage uses, defined in one place, and the runner that
// drives a stage.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EngineConfig says how to reach JetStream.
type EngineConfig struct {
	// URL of an external NATS cluster; empty starts the embedded server.
	URL string
	// StoreDir is where the embedded server keeps JetStream's files.
	StoreDir string
	// Listen is an optional host:port on which the embedded server also
	// accepts clients (for scaling stages out); empty means in-process only.
	Listen string
	// SyncAlways makes the embedded server fsync every write before it
	// acknowledges it; otherwise it syncs every SyncInterval.
	SyncAlways   bool
	SyncInterval time.Duration
	// MaxPayload bounds one NATS message, and so one job (the message body
	// travels inside the job).
	MaxPayload int32
	Logger     *slog.Logger
}

// Engine is a connection to JetStream, and the embedded server if it runs one.
type Engine struct {
	Server *server.Server // nil when attached to an external cluster
	Conn   *nats.Conn
	JS     jetstream.JetStream
	log    *slog.Logger
}

// DefaultMaxPayload is the largest NATS message the embedded server accepts.
const DefaultMaxPayload = 64 << 20

// Start starts the embedded server (or connects to cfg.URL) and makes sure
// every stream and bucket exists.
func Start(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	e := &Engine{log: log}
	var opts []nats.Option
	url := cfg.URL
	if url == "" {
		so := &server.Options{
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
			so.Host, so.Port = host, port
		}
		srv, err := server.NewServer(so)
		if err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(30 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("embedded nats: not ready after 30s")
		}
		e.Server = srv
		opts = append(opts, nats.InProcessServer(srv))
		url = srv.ClientURL()
	}
	opts = append(opts, nats.Name("chapar"), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("connect nats %s: %w", url, err)
	}
	e.Conn = nc
	e.JS, err = jetstream.New(nc)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := EnsureStreams(ctx, e.JS, StreamConfig{}); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close drains the connection and stops the embedded server.
func (e *Engine) Close() {
	if e.Conn != nil {
		e.Conn.Drain()
		e.Conn.Close()
	}
	if e.Server != nil {
		e.Server.Shutdown()
		e.Server.WaitForShutdown()
	}
}
