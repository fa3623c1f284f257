package bus

import (
	"context"
	"fmt"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Follow implements pipeline.EventFeed with one core NATS subscription to
// every change event. Only the subject is read: a follower learns which
// mailbox changed and how, and reads the change itself from the store.
func (c *Conn) Follow(fn func(mailboxID, eventType string)) (func() error, error) {
	sub, err := c.nc.Subscribe(pipeline.SubjectEventPrefix+">", func(m *nats.Msg) {
		if id, kind, ok := pipeline.ParseEventSubject(m.Subject); ok {
			fn(id, kind)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("follow events: %w", err)
	}
	// IDLE pushes must not be dropped because one slow follower filled the
	// default pending limits.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("follow events: %w", err)
	}
	return sub.Unsubscribe, nil
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
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var err error
	for _, m := range msgs {
		f, perr := c.js.PublishAsync(pipeline.EventSubject(m.MailboxID, m.Type), m.Data, jetstream.WithMsgID(m.ID))
		if perr != nil {
			err = fmt.Errorf("publish event %s: %w", m.ID, perr)
			break
		}
		futures = append(futures, f)
	}
	acked := 0
	for i, f := range futures {
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
