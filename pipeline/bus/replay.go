package bus

import (
	"context"
	"errors"
	"fmt"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// Replay implements pipeline.EventLog with an ordered consumer on the
// events stream: ephemeral, flow-controlled, recreated by nats.go from the
// last sequence seen if it is lost, so a reader gets every event in order
// without a durable consumer to clean up.
func (c *Conn) Replay(ctx context.Context, from uint64, fn func(pipeline.LoggedEvent) error) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}
	if from > 0 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from}
	}
	cons, err := c.js.OrderedConsumer(ctx, pipeline.StreamEvents, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("replay events from %d: %w", from, err)
	}
	iter, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("replay events: %w", err)
	}
	defer iter.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		iter.Stop()
	}()
	for {
		m, err := iter.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("replay events: %w", err)
		}
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		id, kind, ok := pipeline.ParseEventSubject(m.Subject())
		if !ok {
			continue
		}
		if err := fn(pipeline.LoggedEvent{Seq: md.Sequence.Stream, MailboxID: id, Type: kind, Data: m.Data()}); err != nil {
			return err
		}
	}
}
