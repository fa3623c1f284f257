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
	"strings"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// InProcess is a NATS server running in this process (pipeline/embedded's
// Server), reached without a TCP listener as chapar's own all-powerful
// identity.
type InProcess interface {
	InProcessConn() (net.Conn, error)
	ClientURL() string
	Credentials() (user, password string)
}

// Config says where the bus is.
type Config struct {
	// URL of an external NATS cluster, used when InProcess is nil.
	URL string
	// InProcess is the embedded server to connect to.
	InProcess InProcess
	// Credentials for URL (nats_user and nats_password, or
	// nats_nkey_seed_file), and the CA bundle that verifies its TLS
	// certificate (nats_tls_ca); ignored with InProcess.
	User, Password string
	NkeySeedFile   string
	TLSCA          string
	// Streams tunes the streams Connect makes sure of.
	Streams StreamConfig
	// InlineMax is the largest body that travels inside its job; a larger
	// one goes through pipeline.BucketBodies (see bodies.go). 0 means
	// min(server max payload, 32 MiB) - 64 KiB; tests set it small to send
	// small bodies out of band.
	InlineMax int
	Log       *slog.Logger
}

// Conn is a connection to the bus, with every stream in place.
type Conn struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger
	// bodies holds the bodies too large to travel inline, larger than
	// inlineMax.
	bodies    jetstream.ObjectStore
	inlineMax int
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
	opts := []nats.Option{nats.Name("chapar"), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1),
		// A denied subject (nats_auth_file) is reported only this way.
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats reported an error", "err", err)
		})}
	if cfg.InProcess != nil {
		// The pipe never leaves the process: no TLS on it even when the
		// server's listener requires it (nats-server allows that for
		// in-process clients), so never a tls:// URL.
		url = inProcessURL(cfg.InProcess.ClientURL())
		opts = append(opts, nats.InProcessServer(cfg.InProcess), nats.UserInfo(cfg.InProcess.Credentials()))
	} else {
		auth, err := clientAuth(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, auth...)
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
	c.bodies, err = c.js.ObjectStore(ctx, pipeline.BucketBodies)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("object store %s: %w", pipeline.BucketBodies, err)
	}
	c.inlineMax = cfg.InlineMax
	if c.inlineMax <= 0 {
		c.inlineMax = inlineLimit(nc.MaxPayload())
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

// clientAuth turns the credentials for an external server into options.
func clientAuth(cfg Config) ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case cfg.NkeySeedFile != "" && cfg.User != "":
		return nil, errors.New("bus: both a user and an nkey seed; give one")
	case cfg.NkeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nats_nkey_seed_file: %w", err)
		}
		opts = append(opts, o)
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.TLSCA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLSCA))
	}
	return opts, nil
}

func inProcessURL(u string) string {
	if rest, ok := strings.CutPrefix(u, "tls://"); ok {
		return "nats://" + rest
	}
	return u
}
