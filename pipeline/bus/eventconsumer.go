package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

var _ pipeline.EventConsumers = (*Conn)(nil)

// ConsumeEvents implements pipeline.EventConsumers with a durable pull
// consumer that has at most one batch unacknowledged (MaxAckPending is
// the batch, one event by default), so that the reader sees the events
// in stream order (and so in modseq order per mailbox) even across
// retries and restarts: while a batch is held, no later event can be
// handed out, and a batch that comes again comes whole and first.
//
// A batch is gathered in two pulls (gather): one that waits for its first
// event, then, batchLinger later, one that takes what came meanwhile
// without waiting. The server hands those over in one burst, instead of
// waking the consumer and its reader for each event as it is published:
// with three webhooks, each event cost the server and this process three
// wake-ups of each, most of what webhooks cost delivery. Nothing is
// pulled beyond the batch, so nothing waits in this process's buffers
// unheld. The consumer acknowledges all (AckAllPolicy): a settled batch
// costs one acknowledgement, of its last message, not one per event (for
// a webhook posting 100 at a time, one ack per POST instead of 100).
// That ack settles nothing but the batch: batches are settled in stream
// order, so all before it is settled already. A consumer an older chapar
// made, acknowledging event by event, is replaced by one that starts
// after its ack floor (see openEventConsumer).
func (c *Conn) ConsumeEvents(ctx context.Context, ec pipeline.EventConsumer, fn func(context.Context, []pipeline.LoggedEvent) error) error {
	if ec.AckWait <= 0 {
		ec.AckWait = 30 * time.Second
	}
	ec.Batch = max(ec.Batch, 1)
	cfg := eventConsumerConfig(ec)
	cons, err := c.openEventConsumer(ctx, &cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consumer %s: %w", ec.Name, err)
	}
	// Events still pending when a run starts were handed to a run that
	// died without giving them back (a crash: a run that ends gives its
	// batch back at once). The server hands them out again only after
	// their AckWait, and meanwhile, as fewer than MaxAckPending are held,
	// it would hand this run later events first: out of order. Until
	// they have come again, the consumer may hold no more than them.
	orphans := 0
	// limit is what the consumer hands out at once: a pull for more
	// than the consumer may hand out would stay open, waiting (a pull
	// that does not wait ends only at the end of the stream).
	limit := ec.Batch
	if info := cons.CachedInfo(); info != nil && info.NumAckPending > 0 && info.NumAckPending < cfg.MaxAckPending {
		narrow := cfg
		narrow.MaxAckPending = info.NumAckPending
		if cons, err = c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, narrow); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("consumer %s: %w", ec.Name, err)
		}
		orphans, limit = info.NumAckPending, info.NumAckPending
	}
	held := keepEventsInProgress(ec.AckWait)
	defer held.stop()
	msgs := make([]jetstream.Msg, 0, ec.Batch)
	events := make([]pipeline.LoggedEvent, 0, ec.Batch)
	full := false
	for {
		msgs, events = msgs[:0], events[:0]
		msgs, err = gather(ctx, cons, msgs, limit, full)
		if err != nil || ctx.Err() != nil {
			// What was gathered goes back at once, in order, for the
			// next run to take first.
			for _, m := range msgs {
				m.Nak()
			}
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("consume %s: %w", ec.Name, err)
		}
		if len(msgs) == 0 {
			full = false
			continue
		}
		// A full batch may have more behind it: the next is taken at
		// once, without waiting for a first event and lingering.
		full = len(msgs) == limit
		// A message that is no event stays in the batch, to be settled
		// with it: terminated on its own it would, under AckAll,
		// acknowledge the events before it, which fn may yet fail.
		for _, m := range msgs {
			if e, ok := loggedEvent(m); ok {
				events = append(events, e)
			}
		}
		last := msgs[len(msgs)-1]
		if len(events) == 0 {
			// Nothing but messages that are no event (nothing else is
			// published there), and nothing held before them: never to
			// come again.
			if err := last.Term(); err != nil && ctx.Err() == nil {
				c.log.Warn("terminating a message that is no event", "consumer", ec.Name, "subject", last.Subject(), "err", err)
			}
			continue
		}
		held.set(msgs)
		ferr := fn(ctx, events)
		held.set(nil)
		if ferr != nil {
			// At once and in order, so that the batch is the first of
			// the next run: no pull is waiting that the server could
			// hand it to meanwhile. A Nak is of one message, AckAll or
			// not.
			for _, m := range msgs {
				m.Nak()
			}
			if ctx.Err() != nil {
				return nil
			}
			return ferr
		}
		// One ack of the last message settles the whole batch (AckAll).
		// Not a double ack: a lost acknowledgement only hands the batch
		// out again after AckWait, which at-least-once allows, and the
		// round trip would halve a reader's rate.
		if err := last.Ack(); err != nil && ctx.Err() == nil {
			c.log.Warn("acknowledging events", "consumer", ec.Name, "subject", last.Subject(), "err", err)
		}
		if orphans > 0 {
			// What the dead run held has come again and is settled:
			// back to whole batches.
			if orphans -= len(msgs); orphans <= 0 {
				limit = ec.Batch
				if _, err := c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, cfg); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("consumer %s: %w", ec.Name, err)
				}
			}
		}
	}
}

// gather appends the next batch of up to batch messages to msgs: unless
// skipWait, it waits for a first one (a pull of one, renewed until ctx
// ends) and, for batches of more than one, lets more come for
// batchLinger; then it takes what is there without waiting. With
// skipWait it only takes what is there (possibly nothing).
func gather(ctx context.Context, cons jetstream.Consumer, msgs []jetstream.Msg, batch int, skipWait bool) ([]jetstream.Msg, error) {
	if !skipWait {
		for len(msgs) == 0 {
			b, err := cons.Fetch(1, jetstream.FetchContext(ctx))
			if err != nil {
				return msgs, err
			}
			if msgs, err = drainBatch(b, msgs); err != nil && !errors.Is(err, jetstream.ErrNoHeartbeat) {
				return msgs, err
			}
			if ctx.Err() != nil {
				return msgs, nil
			}
		}
		if batch == 1 {
			return msgs, nil
		}
		// The rest of a batch is what comes within batchLinger of its
		// first message.
		t := time.NewTimer(batchLinger)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return msgs, nil
		}
	}
	if len(msgs) >= batch {
		return msgs, nil
	}
	b, err := cons.FetchNoWait(batch - len(msgs))
	if err != nil {
		return msgs, err
	}
	return drainBatch(b, msgs)
}

// drainBatch appends a pull's messages to msgs.
func drainBatch(b jetstream.MessageBatch, msgs []jetstream.Msg) ([]jetstream.Msg, error) {
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	return msgs, b.Error()
}

// batchLinger is how long after its first event a batch takes more:
// under load, fewer and fuller batches (each costs its reader a POST) for
// at most this much latency. At 10 ms a webhook at 1,000 events/s posted
// batches of about 10; at 50 ms about 50, a fifth of the POSTs, which is
// what the receiver and the mail flow beside it pay for.
const batchLinger = 50 * time.Millisecond

// loggedEvent reads one message of the events stream; ok is false for
// one that is no event.
func loggedEvent(m jetstream.Msg) (pipeline.LoggedEvent, bool) {
	md, err := m.Metadata()
	id, kind, ok := pipeline.ParseEventSubject(m.Subject())
	if err != nil || !ok {
		return pipeline.LoggedEvent{}, false
	}
	return pipeline.LoggedEvent{Seq: md.Sequence.Stream, MailboxID: id, Type: kind, Data: m.Data()}, true
}

// openEventConsumer creates the consumer cfg describes, or updates the
// one there is. An existing consumer keeps where it started (cfg is
// changed to match): the start matters only when a consumer is created,
// and JetStream refuses to change it.
//
// JetStream refuses to change an ack policy too, so a consumer an older
// chapar made, acknowledging event by event (AckExplicit), is deleted and
// made again under its name, starting just after its ack floor: every
// event after the floor comes again, those it had acknowledged above the
// floor too, which at-least-once allows (webhook receivers de-duplicate
// by event ID), and none is lost. Deleting and creating do not stop
// halfway when ctx ends: the floor is known only here. A process that
// dies between the two leaves no consumer, and the next run starts the
// reader at its Since (a webhook's creation: more events again, none
// lost).
func (c *Conn) openEventConsumer(ctx context.Context, cfg *jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	old, err := c.js.Consumer(ctx, pipeline.StreamEvents, cfg.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, *cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("look up: %w", err)
	}
	was := old.CachedInfo()
	if was.Config.AckPolicy == cfg.AckPolicy {
		cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = was.Config.DeliverPolicy, was.Config.OptStartSeq, was.Config.OptStartTime
		return c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, *cfg)
	}
	ctx = context.WithoutCancel(ctx) // each request still times out
	if err := c.js.DeleteConsumer(ctx, pipeline.StreamEvents, cfg.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("delete to change its ack policy from %v: %w", was.Config.AckPolicy, err)
	}
	cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = jetstream.DeliverByStartSequencePolicy, was.AckFloor.Stream+1, nil
	c.log.Info("event consumer made again to acknowledge a batch at once; events after its ack floor come again",
		"consumer", cfg.Durable, "ack_policy", was.Config.AckPolicy.String(), "from_seq", cfg.OptStartSeq,
		"unacknowledged", was.NumAckPending)
	cons, err := c.js.CreateConsumer(ctx, pipeline.StreamEvents, *cfg)
	if err != nil {
		return nil, fmt.Errorf("create again from stream sequence %d (deleted to change its ack policy): %w", cfg.OptStartSeq, err)
	}
	return cons, nil
}

func eventConsumerConfig(ec pipeline.EventConsumer) jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:       ec.Name,
		Description:   "chapar event reader",
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       ec.AckWait,
		MaxAckPending: max(ec.Batch, 1),
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

// heldEvents are the messages a reader holds, told to JetStream every
// third of ackWait as still being worked on: a reader may hold events far
// longer than ackWait (a webhook backing off), and only a reader that is
// gone should lose them. One goroutine per consumer run, not per event.
// Every message is told, not only the last: under AckAll too the server
// times each pending message on its own, and a progress report moves only
// that message's clock (nats-server's progressUpdate), so the others
// would be handed out again behind the reader's back.
type heldEvents struct {
	mu   sync.Mutex
	msgs []jetstream.Msg
	done chan struct{}
}

func keepEventsInProgress(ackWait time.Duration) *heldEvents {
	h := &heldEvents{done: make(chan struct{})}
	go func() {
		t := time.NewTicker(ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-t.C:
				h.mu.Lock()
				for _, m := range h.msgs {
					m.InProgress()
				}
				h.mu.Unlock()
			}
		}
	}()
	return h
}

// set replaces what is held; nil holds nothing. The caller keeps msgs
// unchanged until the next set.
func (h *heldEvents) set(msgs []jetstream.Msg) {
	h.mu.Lock()
	h.msgs = msgs
	h.mu.Unlock()
}

func (h *heldEvents) stop() { close(h.done) }

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
