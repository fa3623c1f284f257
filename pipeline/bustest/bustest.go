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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := embedded.Start(embedded.Config{StoreDir: tb.TempDir(), Log: log})
	if err != nil {
		tb.Fatalf("start embedded nats: %v", err)
	}
	c, err := bus.Connect(context.Background(), bus.Config{InProcess: srv, Log: log})
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
