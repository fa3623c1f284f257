package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"chapar/internal/metrics"
	"chapar/pipeline"
	"chapar/store"
)

// sender delivers the events of one webhook, one at a time.
type sender struct {
	cfg     *Config
	hook    store.Webhook
	secret  []byte
	mailbox *regexp.Regexp
	client  *http.Client
	log     *slog.Logger

	delivered, failed, dead *metrics.Counter
}

func newSender(cfg *Config, hook store.Webhook, deliveries *metrics.CounterVec) *sender {
	// A transport of its own, closed with the sender, so that a deleted
	// webhook leaves no idle connection (and no goroutine) behind, and
	// one receiver's connections are never another's.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 1
	tr.ResponseHeaderTimeout = cfg.Timeout
	return &sender{
		cfg: cfg, hook: hook, secret: []byte(hook.Secret), mailbox: compilePattern(hook.Mailbox),
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// A redirect is an answer the receiver must fix, not one
			// to follow with a signed body to wherever it points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log:       cfg.Log.With("webhook", hook.ID),
		delivered: deliveries.With(hook.ID, "delivered"),
		failed:    deliveries.With(hook.ID, "failed"),
		dead:      deliveries.With(hook.ID, "dead"),
	}
}

// run reads the webhook's consumer until ctx ends, starting it again
// after a pause when the bus fails it.
func (s *sender) run(ctx context.Context) {
	defer s.client.CloseIdleConnections()
	ec := pipeline.EventConsumer{
		Name: pipeline.ConsumerWebhookPrefix + s.hook.ID, Types: s.hook.Events,
		Since: s.hook.Created, AckWait: s.cfg.ackWait(),
	}
	for {
		err := s.cfg.Events.ConsumeEvents(ctx, ec, s.handle)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("webhook consumer stopped; starting again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// handle settles one event: sent, filtered out, or a dead letter. Only
// the end of ctx, or a dead letter the store could not keep, leaves it
// to come again.
func (s *sender) handle(ctx context.Context, e pipeline.LoggedEvent) error {
	if s.mailbox != nil && !s.mailbox.MatchString(eventMailbox(e.Data)) {
		return nil
	}
	for attempt := 1; ; attempt++ {
		err := s.post(ctx, e, attempt)
		if err == nil {
			s.delivered.Inc()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= s.cfg.MaxAttempts {
			return s.giveUp(e, attempt, err)
		}
		s.failed.Inc()
		wait := s.cfg.backoff(attempt)
		s.log.Warn("webhook delivery failed; will retry", "seq", e.Seq, "event", e.Type, "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *sender) giveUp(e pipeline.LoggedEvent, attempts int, last error) error {
	d := store.DeadLetter{Seq: e.Seq, Type: e.Type, Attempts: attempts, LastError: last.Error(),
		Failed: time.Now().UTC(), Event: bytes.Clone(e.Data)}
	err := s.cfg.Store.AddDeadLetter(s.hook.ID, d)
	if errors.Is(err, store.ErrNoWebhook) {
		return nil // deleted meanwhile: nobody to keep it for
	}
	if err != nil {
		return fmt.Errorf("keeping dead letter %d: %w", e.Seq, err)
	}
	s.dead.Inc()
	s.log.Error("webhook gave up on an event; kept as a dead letter", "seq", e.Seq, "event", e.Type, "attempts", attempts, "err", last)
	return nil
}

// maxAnswer is how much of an answer is read, so that the connection can
// be used again; a receiver has nothing to tell beyond its status.
const maxAnswer = 64 << 10

// post sends the event once; nil means the receiver answered 2xx.
func (s *sender) post(ctx context.Context, e pipeline.LoggedEvent, attempt int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.hook.URL, bytes.NewReader(e.Data))
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chapar-webhook")
	req.Header.Set(HeaderSignature, Sign(s.secret, e.Data))
	req.Header.Set(HeaderEventID, strconv.FormatUint(e.Seq, 10))
	req.Header.Set(HeaderEvent, e.Type)
	req.Header.Set(HeaderWebhook, s.hook.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}
