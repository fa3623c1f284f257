// Package bustest starts the real bus for tests: the embedded NATS server
// with JetStream on file storage in a temporary directory, and a
// connection to it with every stream in place.
package bustest

import (
	"context"
	"log/slog"
	"testing"

	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"
)

// Start starts the embedded server in tb.TempDir() and connects to it; both
// stop when the test ends, after the cleanups registered later. A nil log
// discards the bus's messages and the embedded server's.
func Start(tb testing.TB, log *slog.Logger) *bus.Conn {
	tb.Helper()
	return StartWith(tb, log, nil)
}

// StartWith is Start with the bus's configuration adjusted by configure
// (nil: none), e.g. a small InlineMax to send small bodies out of band.
func StartWith(tb testing.TB, log *slog.Logger, configure func(*bus.Config)) *bus.Conn {
	tb.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := embedded.Start(embedded.Config{StoreDir: tb.TempDir(), Log: log})
	if err != nil {
		tb.Fatalf("start embedded nats: %v", err)
	}
	cfg := bus.Config{InProcess: srv, Log: log}
	if configure != nil {
		configure(&cfg)
	}
	c, err := bus.Connect(context.Background(), cfg)
	if err != nil {
		srv.Close()
		tb.Fatalf("connect to the bus: %v", err)
	}
	tb.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return c
}
