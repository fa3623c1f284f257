package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

var _ pipeline.EventConsumers = (*Conn)(nil)

// ConsumeEvents implements pipeline.EventConsumers with a durable pull
// consumer that has at most one event unacknowledged, so that the reader
// sees the events in stream order (and so in modseq order per mailbox)
// even across retries and restarts.
func (c *Conn) ConsumeEvents(ctx context.Context, ec pipeline.EventConsumer, fn func(context.Context, pipeline.LoggedEvent) error) error {
	if ec.AckWait <= 0 {
		ec.AckWait = 30 * time.Second
	}
	cons, err := c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, eventConsumerConfig(ec))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consumer %s: %w", ec.Name, err)
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(1))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consume %s: %w", ec.Name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		iter.Stop()
	}()
	for {
		m, err := iter.Next()
		if errors.Is(err, jetstream.ErrNoHeartbeat) && ctx.Err() == nil {
			continue // the iterator pulls again by itself
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("consume %s: %w", ec.Name, err)
		}
		md, err := m.Metadata()
		id, kind, ok := pipeline.ParseEventSubject(m.Subject())
		if err != nil || !ok {
			// Not an event (nothing else is published there): never
			// to be read, so never to come again.
			m.Term()
			continue
		}
		stop := keepEventInProgress(m, ec.AckWait)
		ferr := fn(ctx, pipeline.LoggedEvent{Seq: md.Sequence.Stream, MailboxID: id, Type: kind, Data: m.Data()})
		stop()
		if ferr != nil {
			// At once, so that it is the first event of the next run.
			m.Nak()
			if ctx.Err() != nil {
				return nil
			}
			return ferr
		}
		// Not a double ack: a lost acknowledgement only hands the event
		// out again after AckWait, which at-least-once allows, and the
		// round trip would halve a reader's rate.
		if err := m.Ack(); err != nil && ctx.Err() == nil {
			c.log.Warn("acknowledging an event", "consumer", ec.Name, "seq", md.Sequence.Stream, "err", err)
		}
	}
}

func eventConsumerConfig(ec pipeline.EventConsumer) jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:       ec.Name,
		Description:   "chapar event reader",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ec.AckWait,
		MaxAckPending: 1,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverNewPolicy,
	}
	if !ec.Since.IsZero() {
		since := ec.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	// Every mailbox's events of each type: the subject layout is
	// pipeline's, so the filter follows it.
	switch len(ec.Types) {
	case 0:
	case 1:
		cfg.FilterSubject = pipeline.EventSubject("*", ec.Types[0])
	default:
		for _, t := range ec.Types {
			cfg.FilterSubjects = append(cfg.FilterSubjects, pipeline.EventSubject("*", t))
		}
	}
	return cfg
}

// keepEventInProgress tells JetStream every third of ackWait that m is
// still being worked on, until stop is called: a reader may hold an event
// far longer than ackWait (a webhook backing off), and only a reader that
// is gone should lose it.
func keepEventInProgress(m jetstream.Msg, ackWait time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// DeleteEventConsumer implements pipeline.EventConsumers.
func (c *Conn) DeleteEventConsumer(ctx context.Context, name string) error {
	err := c.js.DeleteConsumer(ctx, pipeline.StreamEvents, name)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("delete consumer %s: %w", name, err)
	}
	return nil
}

// EventConsumerNames implements pipeline.EventConsumers.
func (c *Conn) EventConsumerNames(ctx context.Context, prefix string) ([]string, error) {
	s, err := c.js.Stream(ctx, pipeline.StreamEvents)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", pipeline.StreamEvents, err)
	}
	lister := s.ConsumerNames(ctx)
	var out []string
	for name := range lister.Name() {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	if err := lister.Err(); err != nil {
		return nil, fmt.Errorf("consumers of %s: %w", pipeline.StreamEvents, err)
	}
	return out, nil
}
