// Package notify carries the store's change events out: it drains the
// store's outbox into JetStream (so events follow commits, also after a
// crash), and fans events out to IMAP IDLE sessions and other watchers.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"chapar/pipeline"
	"chapar/store"

	"github.com/nats-io/nats.go/jetstream"
)

// Publisher drains the store's outbox into the events stream.
type Publisher struct {
	Store *store.Store
	JS    jetstream.JetStream
	Log   *slog.Logger
}

// batchSize bounds the events published before their acknowledgements are
// awaited together.
const batchSize = 512

// Run publishes until ctx ends. It wakes on every commit that wrote events,
// and every second in case a wake-up was missed.
func (p *Publisher) Run(ctx context.Context) error {
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
	futures := make([]jetstream.PubAckFuture, len(evs))
	for i := range evs {
		data, err := json.Marshal(&evs[i])
		if err != nil {
			return 0, fmt.Errorf("event %s: %w", evs[i].ID, err)
		}
		futures[i], err = p.JS.PublishAsync(pipeline.EventSubject(evs[i].MailboxID, string(evs[i].Type)), data,
			jetstream.WithMsgID(evs[i].ID))
		if err != nil {
			evs = evs[:i]
			futures = futures[:i]
			break
		}
	}
	// Acknowledge only the unbroken run of published events, so that a
	// retry never publishes a later event of an outbox before an earlier one.
	done := 0
	for i, f := range futures {
		select {
		case <-f.Ok():
			if done == i {
				done++
			}
		case err = <-f.Err():
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if done > 0 {
		if aerr := p.Store.AckEvents(evs[:done]); aerr != nil {
			return done, aerr
		}
	}
	return done, err
}
