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
// One pull request stands for many events: the server hands out the next
// ones as soon as the previous are acknowledged, with no request per
// event, and one goroutine per run keeps whatever is held in progress.
// The consumer acknowledges all (AckAllPolicy): a settled batch costs one
// acknowledgement, of its last message, not one per event (for a webhook
// posting 100 at a time, one ack per POST instead of 100). That ack
// settles nothing but the batch: batches are settled in stream order, so
// all before it is settled already. A consumer an older chapar made,
// acknowledging event by event, is replaced by one that starts after its
// ack floor (see openEventConsumer).
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
	if info := cons.CachedInfo(); info != nil && info.NumAckPending > 0 && info.NumAckPending < cfg.MaxAckPending {
		narrow := cfg
		narrow.MaxAckPending = info.NumAckPending
		if cons, err = c.js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, narrow); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("consumer %s: %w", ec.Name, err)
		}
		orphans = info.NumAckPending
	}
	// The pull asks for more than the consumer hands out at once, so that
	// it outlives many batches; the server never goes past MaxAckPending.
	iter, err := cons.Messages(jetstream.PullMaxMessages(max(2*ec.Batch, eventPull)))
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
	held := keepEventsInProgress(ec.AckWait)
	defer held.stop()
	msgs := make([]jetstream.Msg, 0, ec.Batch)
	events := make([]pipeline.LoggedEvent, 0, ec.Batch)
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
		msgs, events = msgs[:0], events[:0]
		fill := time.Now().Add(batchLinger)
		for {
			// A message that is no event stays in the batch, to be
			// settled with it: terminated on its own it would, under
			// AckAll, acknowledge the events before it, which fn may yet
			// fail.
			msgs = append(msgs, m)
			if e, ok := loggedEvent(m); ok {
				events = append(events, e)
			}
			if len(msgs) == ec.Batch {
				break
			}
			// The rest of a batch is what comes within batchLinger of
			// its first message: a batch never waits to fill.
			wait := time.Until(fill)
			if wait <= 0 {
				break
			}
			if m, err = iter.Next(jetstream.NextMaxWait(wait)); err != nil {
				break // a timeout; anything else comes again from Next
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
			msgs = c.giveBack(cons, iter, msgs, ec.AckWait)
			// At once and in order, so that the batch is the first of
			// the next run. A Nak is of one message, AckAll or not.
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

// giveBack ends iter's pull before a batch is given back (negatively
// acknowledged), and returns the batch with whatever the pull brought
// meanwhile, in stream order. Otherwise an event after the batch would
// stay held by this run, to come out of order once its AckWait is over;
// and the server, which hands an event given back to the pull requests
// waiting in turn, finding only this run's dead one, would put the
// event back at the end of its redelivery queue, behind the rest of the
// batch. Asking for the consumer's info makes it forget dead requests.
func (c *Conn) giveBack(cons jetstream.Consumer, iter jetstream.MessagesContext, msgs []jetstream.Msg, limit time.Duration) []jetstream.Msg {
	iter.Drain()
	for {
		m, err := iter.Next(jetstream.NextMaxWait(limit))
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	if cl, ok := iter.(interface{ Closed() <-chan struct{} }); ok {
		select {
		case <-cl.Closed():
		case <-time.After(limit):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := c.nc.FlushWithContext(ctx); err == nil {
		cons.Info(ctx)
	}
	return msgs
}

const (
	// eventPull is the fewest events one pull request asks for.
	eventPull = 64
	// batchLinger is how long after its first event a batch that has not
	// filled takes more: under load, fewer and fuller batches (each
	// costs its reader a POST) for at most this much latency. At 10 ms a
	// webhook at 1,000 events/s posted batches of about 10; at 50 ms
	// about 50, a fifth of the POSTs, which is what the receiver and the
	// mail flow beside it pay for.
	batchLinger = 50 * time.Millisecond
)

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
