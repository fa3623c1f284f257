// Package bus is the engine of chapar's pipeline, on nats.go and JetStream:
// the connection (to an external cluster or to the embedded server of
// pipeline/embedded), the streams, the Runner that drives a stage from its
// durable consumer, and the implementations of pipeline's Submitter,
// Ticket, EventFeed and EventSink. Stages, ingest and notify know only
// those interfaces; cmd/chapar wires them to a Conn.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// InProcess is a NATS server running in this process (pipeline/embedded's
// Server), reached without a TCP listener.
type InProcess interface {
	InProcessConn() (net.Conn, error)
	ClientURL() string
}

// Config says where the bus is.
type Config struct {
	// URL of an external NATS cluster, used when InProcess is nil.
	URL string
	// InProcess is the embedded server to connect to.
	InProcess InProcess
	// Streams tunes the streams Connect makes sure of.
	Streams StreamConfig
	Log     *slog.Logger
}

// Conn is a connection to the bus, with every stream in place.
type Conn struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger
	// avail is the in-process server's view of JetStream; nil for an
	// external cluster, whose state the publish errors tell.
	avail Availability
}

// A Conn is what ingest and notify are given.
var (
	_ pipeline.Submitter = (*Conn)(nil)
	_ pipeline.EventFeed = (*Conn)(nil)
	_ pipeline.EventSink = (*Conn)(nil)
)

// Connect connects and creates or updates every stream.
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	url := cfg.URL
	opts := []nats.Option{nats.Name("chapar"), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1)}
	if cfg.InProcess != nil {
		url = cfg.InProcess.ClientURL()
		opts = append(opts, nats.InProcessServer(cfg.InProcess))
	}
	if url == "" {
		return nil, errors.New("bus: neither a NATS URL nor an embedded server")
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", url, err)
	}
	c := &Conn{nc: nc, log: log}
	if a, ok := cfg.InProcess.(Availability); ok {
		c.avail = a
	}
	c.js, err = jetstream.New(nc)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := EnsureStreams(ctx, c.js, cfg.Streams); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// NATS is the underlying connection, for the engine's tests and tools.
func (c *Conn) NATS() *nats.Conn { return c.nc }

// JetStream is the connection's JetStream context, for the engine's tests
// and tools.
func (c *Conn) JetStream() jetstream.JetStream { return c.js }

// Close drains the connection: what was published goes out first.
func (c *Conn) Close() {
	c.nc.Drain()
	c.nc.Close()
}
