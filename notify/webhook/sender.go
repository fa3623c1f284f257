package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
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

// sender delivers the events of one webhook, one POST at a time: one
// event each, or a batch of them when the webhook asked for batches.
type sender struct {
	cfg     *Config
	hook    store.Webhook
	mailbox *regexp.Regexp
	client  *http.Client
	log     *slog.Logger

	// Kept from one POST to the next, which never overlap.
	mac  hash.Hash    // HMAC-SHA256 keyed with the secret
	body bytes.Buffer // a batch's JSON array
	send []pipeline.LoggedEvent

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
		cfg: cfg, hook: hook, mailbox: compilePattern(hook.Mailbox), mac: hmac.New(sha256.New, []byte(hook.Secret)),
		// No Client.Timeout: post bounds each exchange with its context,
		// which spares the client a copy of every request.
		client: &http.Client{
			Transport: tr,
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
		Since: s.hook.Created, AckWait: s.cfg.ackWait(), Batch: s.hook.Batch,
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

// handle settles the events of one pull: sent, filtered out, or dead
// letters. Only the end of ctx, or a dead letter the store could not
// keep, leaves them to come again.
func (s *sender) handle(ctx context.Context, evs []pipeline.LoggedEvent) error {
	send := s.send[:0]
	for _, e := range evs {
		if s.mailbox == nil || s.mailbox.MatchString(eventMailbox(e.Data)) {
			send = append(send, e)
		}
	}
	s.send = send
	if len(send) == 0 {
		return nil
	}
	for attempt := 1; ; attempt++ {
		err := s.post(ctx, send, attempt)
		if err == nil {
			s.delivered.Add(uint64(len(send)))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= s.cfg.MaxAttempts {
			return s.giveUp(send, attempt, err)
		}
		s.failed.Add(uint64(len(send)))
		wait := s.cfg.backoff(attempt)
		last := send[len(send)-1]
		s.log.Warn("webhook delivery failed; will retry", "seq", last.Seq, "event", last.Type, "events", len(send),
			"attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// giveUp keeps each event of a failed POST as a dead letter.
func (s *sender) giveUp(evs []pipeline.LoggedEvent, attempts int, last error) error {
	for _, e := range evs {
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
	}
	return nil
}

// maxAnswer is how much of an answer is read, so that the connection can
// be used again; a receiver has nothing to tell beyond its status.
const maxAnswer = 64 << 10

// post sends the events once, as one event's JSON or, for a webhook
// with batches, as a JSON array (batchBody); nil means the receiver
// answered 2xx.
func (s *sender) post(ctx context.Context, evs []pipeline.LoggedEvent, attempt int) error {
	last := evs[len(evs)-1]
	body := last.Data
	if s.hook.Batch > 0 {
		s.body.Reset()
		writeBatch(&s.body, evs)
		body = s.body.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.hook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	s.mac.Reset()
	s.mac.Write(body)
	var sum [sha256.Size]byte
	// The header map is filled directly: the names are canonical already.
	h := req.Header
	h["Content-Type"] = []string{"application/json"}
	h["User-Agent"] = []string{"chapar-webhook"}
	h[HeaderSignature] = []string{signature(s.mac.Sum(sum[:0]))}
	h[HeaderEventID] = []string{strconv.FormatUint(last.Seq, 10)}
	if s.hook.Batch > 0 {
		h[HeaderBatch] = []string{strconv.Itoa(len(evs))}
	} else {
		h[HeaderEvent] = []string{last.Type}
	}
	h[HeaderWebhook] = []string{s.hook.ID}
	h[HeaderAttempt] = []string{strconv.Itoa(attempt)}
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

// writeBatch writes the body of a batch: a JSON array with an object per
// event, in stream order, each with the event's id (the X-Chapar-Event-Id
// it would have alone), its type and the event's JSON as published:
//
//	[{"id":41,"type":"MessageNew","event":{...}},{"id":42,...}]
func writeBatch(b *bytes.Buffer, evs []pipeline.LoggedEvent) {
	var num [20]byte
	b.WriteByte('[')
	for i, e := range evs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":`)
		b.Write(strconv.AppendUint(num[:0], e.Seq, 10))
		// Types are RFC 5423's and Cyrus's names: nothing to escape.
		b.WriteString(`,"type":"`)
		b.WriteString(e.Type)
		b.WriteString(`","event":`)
		b.Write(e.Data)
		b.WriteByte('}')
	}
	b.WriteByte(']')
}
