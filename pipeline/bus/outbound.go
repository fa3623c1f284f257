package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// headerOutbound carries an outbound message's envelope as JSON; the data
// of the NATS message is the mail itself, so a large redirect is not
// copied into JSON.
const headerOutbound = "Chapar-Outbound"

// A Conn queues outbound mail for the sieve stage.
var _ pipeline.Outbound = (*Conn)(nil)

// Enqueue publishes m to CHAPAR_OUTBOUND and waits for the stream to
// store it. Its id is the message id, so a stage that runs again after a
// crash and queues the same message adds nothing within the stream's
// duplicate window.
func (c *Conn) Enqueue(ctx context.Context, m *pipeline.OutboundMessage) error {
	if m.ID == "" || len(m.To) == 0 {
		return pipeline.Permanent(fmt.Errorf("outbound message without id or recipients"))
	}
	env := *m
	env.Body = nil // travels as the data
	meta, err := json.Marshal(&env)
	if err != nil {
		return fmt.Errorf("outbound %s: %w", m.ID, err)
	}
	msg := nats.NewMsg(pipeline.SubjectOutbound)
	msg.Header.Set(headerOutbound, string(meta))
	msg.Data = m.Body
	if _, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(m.ID)); err != nil {
		return fmt.Errorf("queue outbound %s: %w", m.ID, err)
	}
	return nil
}

// decodeOutbound is Enqueue's inverse.
func decodeOutbound(msg jetstream.Msg) (*pipeline.OutboundMessage, error) {
	var m pipeline.OutboundMessage
	if err := json.Unmarshal([]byte(msg.Headers().Get(headerOutbound)), &m); err != nil {
		return nil, fmt.Errorf("outbound envelope: %w", err)
	}
	if m.ID == "" || len(m.To) == 0 {
		return nil, errors.New("outbound envelope without id or recipients")
	}
	m.Body = msg.Data()
	return &m, nil
}

// OutboundConfig configures the outbound worker's consumer.
type OutboundConfig struct {
	// Workers send concurrently. Default 4.
	Workers int
	// RetryBackoff is the unit of the delay before a failed message is
	// tried again: attempt n waits RetryBackoff << min(n, 10). Default 30s,
	// so retries come at 1, 2, 4 ... minutes, then every 8.5 hours at most.
	RetryBackoff time.Duration
	// MaxAge is how long a message that keeps failing temporarily is
	// retried before it is dropped and logged, like an MTA's queue
	// lifetime. Default 5 days (Postfix's maximal_queue_lifetime).
	MaxAge time.Duration
	Log    *slog.Logger
}

// OutboundRunner drives a pipeline.Sender from CHAPAR_OUTBOUND.
type OutboundRunner struct {
	cfg  OutboundConfig
	send pipeline.Sender
	js   jetstream.JetStream
}

// NewOutboundRunner prepares the worker; Run starts it.
func NewOutboundRunner(c *Conn, cfg OutboundConfig, send pipeline.Sender) *OutboundRunner {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 30 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 5 * 24 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Log = cfg.Log.With("service", "outbound")
	return &OutboundRunner{cfg: cfg, send: send, js: c.js}
}

// Run consumes until ctx ends.
func (r *OutboundRunner) Run(ctx context.Context) error {
	cons, err := r.js.CreateOrUpdateConsumer(ctx, pipeline.StreamOutbound, jetstream.ConsumerConfig{
		Durable:       pipeline.ConsumerOutbound,
		FilterSubject: pipeline.SubjectOutbound,
		AckPolicy:     jetstream.AckExplicitPolicy,
		// Short, so that a message a crashed worker held comes again soon
		// after a restart; a send that takes longer keeps its message with
		// progress acks (handle), so a slow relay does not get it twice.
		AckWait:       outboundAckWait,
		MaxAckPending: 256,
		MaxDeliver:    -1,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consumer %s: %w", pipeline.ConsumerOutbound, err)
	}
	work := make(chan jetstream.Msg)
	done := make(chan struct{})
	for i := 0; i < r.cfg.Workers; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for m := range work {
				r.handle(ctx, m)
			}
		}()
	}
	defer func() {
		close(work)
		for i := 0; i < r.cfg.Workers; i++ {
			<-done
		}
	}()
	iter, err := cons.Messages(jetstream.PullMaxMessages(2 * r.cfg.Workers))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consume outbound: %w", err)
	}
	go func() {
		<-ctx.Done()
		iter.Stop()
	}()
	for {
		m, err := iter.Next()
		if errors.Is(err, jetstream.ErrNoHeartbeat) && ctx.Err() == nil {
			r.cfg.Log.Warn("consumer missed heartbeats; pulling again", "err", err)
			continue
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("consume outbound: %w", err)
		}
		work <- m
	}
}

func (r *OutboundRunner) handle(ctx context.Context, msg jetstream.Msg) {
	m, err := decodeOutbound(msg)
	if err != nil {
		r.cfg.Log.Error("dropping undecodable outbound message", "err", err)
		msg.Term()
		return
	}
	log := r.cfg.Log.With("id", m.ID, "kind", m.Kind, "user", m.User)
	stop := keepInProgress(msg)
	err = r.send.Send(ctx, m)
	stop()
	switch {
	case err == nil:
		// Acknowledged synchronously: a lost ack would send it again.
		if err := msg.DoubleAck(ctx); err != nil {
			log.Warn("ack of a sent message failed; the sender's mark keeps it from going twice", "err", err)
		}
		log.Info("outbound sent", "to", m.To)
	case pipeline.IsPermanent(err):
		log.Error("outbound message refused for good; dropped", "to", m.To, "err", err)
		msg.Term()
	case time.Since(m.Created) > r.cfg.MaxAge:
		log.Error("outbound message failing since "+m.Created.Format(time.RFC3339)+"; dropped", "to", m.To, "err", err)
		msg.Term()
	default:
		n := uint64(1)
		if md, merr := msg.Metadata(); merr == nil {
			n = md.NumDelivered
		}
		delay := r.cfg.RetryBackoff << min(n-1, 10)
		if age := r.cfg.MaxAge - time.Since(m.Created); delay > age && age > 0 {
			delay = age // one last try when the time is up, not later
		}
		log.Warn("outbound send failed, will retry", "attempt", n, "in", delay, "err", err)
		msg.NakWithDelay(delay)
	}
}

// outboundAckWait is how long a message handed to the worker may go
// without an acknowledgement or a sign of progress before JetStream hands
// it out again.
const outboundAckWait = 30 * time.Second

// keepInProgress tells JetStream every third of outboundAckWait that msg
// is still being worked on, until the returned stop is called.
func keepInProgress(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(outboundAckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}
