// Package notify carries the store's change events out: it drains the
// store's outbox into the events stream (so events follow commits, also
// after a crash), and fans events out to IMAP IDLE sessions and other
// watchers. It reaches the message bus only through pipeline.EventSink and
// pipeline.EventFeed (implemented by pipeline/bus).
package notify

import (
	"context"
	"log/slog"
	"os"
	"time"

	"chapar/internal/metrics"
	"chapar/pipeline"
	"chapar/store"
)

// Publisher drains the store's outbox into the events stream.
type Publisher struct {
	Store *store.Store
	Sink  pipeline.EventSink
	Log   *slog.Logger
	// Published counts the events put on the stream; nil counts nothing.
	Published *metrics.Counter
	// Events are the event_* options: which events reach the stream and
	// what their JSON carries; nil means Cyrus's defaults
	// (DefaultEventOptions).
	Events *EventOptions

	opts *compiled
}

// DefaultEventOptions are Cyrus's defaults of the event_* options, on
// this host's name.
func DefaultEventOptions() EventOptions {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return EventOptions{Groups: []string{"message", "mailbox"}, ExtraParams: []string{"timestamp"},
		ExcludeSpecialUse: []string{`\Junk`}, ServerName: host, UnixHierarchySep: true, AltNamespace: true}
}

// batchSize bounds the events published before their acknowledgements are
// awaited together.
const batchSize = 512

// Run publishes until ctx ends. It wakes on every commit that wrote events,
// and every second in case a wake-up was missed.
func (p *Publisher) Run(ctx context.Context) error {
	opts := DefaultEventOptions()
	if p.Events != nil {
		opts = *p.Events
	}
	p.opts = opts.compile()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		n, err := p.publishPending(ctx)
		if err != nil && ctx.Err() == nil {
			p.Log.Warn("publishing events", "err", err)
		}
		if n == batchSize {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.Store.OutboxReady():
		case <-tick.C:
			// Quiet for a second: commit the outbox deletions that
			// no delivery's commit has carried yet.
			if err := p.Store.FlushEventAcks(); err != nil {
				p.Log.Warn("flushing event acknowledgements", "err", err)
			}
		}
	}
}

func (p *Publisher) publishPending(ctx context.Context) (int, error) {
	evs, err := p.Store.PendingEvents(batchSize)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	msgs := make([]pipeline.EventMessage, len(evs))
	for i := range evs {
		data, publish, err := p.opts.format(&evs[i])
		if err != nil {
			return 0, err
		}
		msgs[i] = pipeline.EventMessage{ID: evs[i].ID, MailboxID: evs[i].MailboxID, Type: string(evs[i].Type), Data: data, WakeOnly: !publish}
	}
	// Only the unbroken run of published events leaves the outbox, so that
	// a retry never publishes a later event of an outbox before an earlier
	// one.
	done, err := p.Sink.PublishOrdered(ctx, msgs)
	published := 0
	for _, m := range msgs[:done] {
		if !m.WakeOnly {
			published++
		}
	}
	p.Published.Add(uint64(published))
	if done > 0 {
		if aerr := p.Store.AckEvents(evs[:done]); aerr != nil {
			return done, aerr
		}
	}
	return done, err
}
