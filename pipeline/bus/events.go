package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Follow implements pipeline.EventFeed with one core NATS subscription to
// every change event and one to the wake-only changes. Only the subject is
// read: a follower learns which mailbox changed and how, and reads the
// change itself from the store.
func (c *Conn) Follow(fn func(mailboxID, eventType string)) (func() error, error) {
	var subs []*nats.Subscription
	var one sync.Mutex
	stop := func() error {
		var errs []error
		for _, s := range subs {
			errs = append(errs, s.Unsubscribe())
		}
		return errors.Join(errs...)
	}
	for _, f := range []struct {
		subject string
		parse   func(string) (string, string, bool)
	}{
		{pipeline.SubjectEventPrefix + ">", pipeline.ParseEventSubject},
		{pipeline.SubjectWakePrefix + ">", pipeline.ParseWakeSubject},
	} {
		parse := f.parse
		sub, err := c.nc.Subscribe(f.subject, func(m *nats.Msg) {
			if id, kind, ok := parse(m.Subject); ok {
				// Two subscriptions, two goroutines: fn is promised
				// one event at a time.
				one.Lock()
				defer one.Unlock()
				fn(id, kind)
			}
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("follow events: %w", err)
		}
		subs = append(subs, sub)
		// IDLE pushes must not be dropped because one slow follower
		// filled the default pending limits.
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			stop()
			return nil, fmt.Errorf("follow events: %w", err)
		}
	}
	return stop, nil
}

// PublishOrdered implements pipeline.EventSink on the events stream. Every
// message is published before any acknowledgement is awaited, so a batch
// costs one round trip, not one per event.
//
// An acknowledgement the server will never send (a stream that lost its
// store drops the publish unanswered, and nats.go sets no timeout on an
// async publish) must not wedge the publisher: the wait also ends when the
// embedded server's JetStream context does, and the events are published
// again once it is back.
func (c *Conn) PublishOrdered(ctx context.Context, msgs []pipeline.EventMessage) (int, error) {
	var lost <-chan struct{}
	if js := c.jetStream(); js != nil {
		if js.Err() != nil {
			return 0, fmt.Errorf("publish events: jetstream has lost its store: %w", pipeline.ErrNoSpace)
		}
		lost = js.Done()
	}
	// A wake-only event leaves a nil future: it is done once handed to
	// core NATS, which promises no more.
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var err error
	for _, m := range msgs {
		if m.WakeOnly {
			if perr := c.nc.Publish(pipeline.WakeSubject(m.MailboxID, m.Type), nil); perr != nil {
				err = fmt.Errorf("wake for event %s: %w", m.ID, perr)
				break
			}
			futures = append(futures, nil)
			continue
		}
		f, perr := c.js.PublishAsync(pipeline.EventSubject(m.MailboxID, m.Type), m.Data, jetstream.WithMsgID(m.ID))
		if perr != nil {
			err = fmt.Errorf("publish event %s: %w", m.ID, perr)
			break
		}
		futures = append(futures, f)
	}
	acked := 0
	for i, f := range futures {
		if f == nil {
			if acked == i {
				acked++
			}
			continue
		}
		select {
		case <-f.Ok():
			if acked == i {
				acked++
			}
		case ferr := <-f.Err():
			err = fmt.Errorf("event %s not acknowledged: %w", msgs[i].ID, ferr)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-lost:
			return acked, fmt.Errorf("event %s not acknowledged: jetstream has lost its store: %w", msgs[i].ID, pipeline.ErrNoSpace)
		}
	}
	return acked, err
}
