// Package webhook sends the change events to HTTP receivers an operator
// registered ("chapar webhook add"): one POST per event, or per batch of
// events as a JSON array for a webhook that asked for batches, signed
// with HMAC-SHA256, at least once, in stream order, retried with
// exponential backoff and kept as a dead letter once the attempts run
// out.
//
// Each webhook reads the events stream through its own durable consumer
// (pipeline.EventConsumers), so its position survives restarts and a
// receiver that is slow, down or hanging holds back only itself: never the
// delivery of mail, never another webhook. The webhooks themselves and
// their dead letters are kept in the store.
package webhook

import (
	"log/slog"
	"time"

	"chapar/internal/metrics"
	"chapar/pipeline"
	"chapar/store"
)

// The headers of every POST.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body,
	// keyed with the webhook's secret.
	HeaderSignature = "X-Chapar-Signature"
	// HeaderEventID is the event's sequence in the events stream: an
	// event sent again (at-least-once) carries the same id, which is
	// how a receiver drops the repeat.
	HeaderEventID = "X-Chapar-Event-Id"
	// HeaderEvent is the event's type (MessageNew, FlagsSet, ...); not
	// sent with a batch, whose elements name their types.
	HeaderEvent = "X-Chapar-Event"
	// HeaderBatch is the number of events in a batch, sent instead of
	// HeaderEvent by a webhook with batches; HeaderEventID is then the
	// last event's id.
	HeaderBatch = "X-Chapar-Batch"
	// HeaderWebhook is the id of the webhook the POST is for.
	HeaderWebhook = "X-Chapar-Webhook"
	// HeaderAttempt counts the attempts at this event, from 1, within
	// one run of the server.
	HeaderAttempt = "X-Chapar-Attempt"
)

// Config configures the webhooks of a process.
type Config struct {
	Store  *store.Store
	Events pipeline.EventConsumers
	// Timeout bounds one POST, the answer included (webhook_timeout).
	// Default 10s.
	Timeout time.Duration
	// MaxAttempts is how many times an event is tried before it becomes
	// a dead letter (webhook_max_attempts). Default 10.
	MaxAttempts int
	// MinBackoff is the wait after the first failed attempt; each
	// further failure doubles it, up to MaxBackoff (webhook_min_backoff,
	// webhook_max_backoff). Defaults 5s and 1h.
	MinBackoff, MaxBackoff time.Duration
	// Metrics receives the deliveries and dead letters; nil counts
	// nothing.
	Metrics *metrics.Registry
	Log     *slog.Logger
}

func (c *Config) applyDefaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 5 * time.Second
	}
	switch {
	case c.MaxBackoff <= 0:
		c.MaxBackoff = max(time.Hour, c.MinBackoff)
	case c.MaxBackoff < c.MinBackoff:
		// A ceiling below the first wait: every wait is the first.
		c.MaxBackoff = c.MinBackoff
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// backoff is the wait after the n-th failed attempt (n from 1).
func (c *Config) backoff(n int) time.Duration {
	d := c.MinBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// ackWait is how long an event held by a process that died waits before
// JetStream hands it out again: about one timeout, the time a receiver
// is given anyway. A live process keeps its event however long it backs
// off (pipeline.EventConsumers keeps it in progress).
func (c *Config) ackWait() time.Duration {
	return min(max(c.Timeout, time.Second), 30*time.Second)
}
