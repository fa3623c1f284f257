package webhook

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"chapar/internal/metrics"
	"chapar/pipeline"
	"chapar/store"
)

// Manager runs a sender for every webhook in the store and starts and
// stops them as webhooks are added and deleted through it.
type Manager struct {
	Registry
	cfg        Config
	ctx        context.Context
	deliveries *metrics.CounterVec

	mu      sync.Mutex
	running map[string]*running
	closed  bool
}

type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts the delivery of every stored webhook, until ctx ends or
// Close. Consumers left by webhooks deleted while no server ran are
// removed.
func Start(ctx context.Context, cfg Config) (*Manager, error) {
	cfg.applyDefaults()
	m := &Manager{Registry: Registry{Store: cfg.Store}, cfg: cfg, ctx: ctx, running: map[string]*running{},
		deliveries: cfg.Metrics.Counter("chapar_webhook_deliveries_total",
			"Webhook delivery attempts by outcome: delivered (2xx), failed (to be retried), dead (given up, kept as a dead letter).",
			"webhook", "outcome")}
	if cfg.Metrics != nil {
		cfg.Metrics.GaugeFunc("chapar_webhook_dead_letters", "Dead letters kept per webhook (chapar webhook dead ID).",
			[]string{"webhook"}, m.deadLetterSamples)
	}
	hooks, err := cfg.Store.Webhooks()
	if err != nil {
		return nil, err
	}
	m.sweep(hooks)
	for _, h := range hooks {
		m.start(h)
	}
	return m, nil
}

// sweep removes the consumers of webhooks deleted while no server ran.
// A failure is only logged: a consumer left behind costs the stream a
// little bookkeeping, and a bus that cannot list consumers now must not
// keep the server from starting (the senders retry on their own).
func (m *Manager) sweep(hooks []store.Webhook) {
	known := map[string]bool{}
	for _, h := range hooks {
		known[pipeline.ConsumerWebhookPrefix+h.ID] = true
	}
	names, err := m.cfg.Events.EventConsumerNames(m.ctx, pipeline.ConsumerWebhookPrefix)
	if err != nil {
		m.cfg.Log.Warn("listing the webhooks' consumers", "err", err)
		return
	}
	for _, n := range names {
		if !known[n] {
			if err := m.cfg.Events.DeleteEventConsumer(m.ctx, n); err != nil {
				m.cfg.Log.Warn("removing the consumer of a deleted webhook", "consumer", n, "err", err)
			}
		}
	}
}

func (m *Manager) start(h store.Webhook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.running[h.ID] != nil {
		return
	}
	ctx, cancel := context.WithCancel(m.ctx)
	r := &running{cancel: cancel, done: make(chan struct{})}
	m.running[h.ID] = r
	s := newSender(&m.cfg, h, m.deliveries)
	m.cfg.Log.Info("webhook delivering", "webhook", describe(h))
	go func() {
		defer close(r.done)
		s.run(ctx)
	}()
}

// stop ends a webhook's sender and waits for it.
func (m *Manager) stop(id string) {
	m.mu.Lock()
	r := m.running[id]
	delete(m.running, id)
	m.mu.Unlock()
	if r != nil {
		r.cancel()
		<-r.done
	}
}

// Add stores a webhook and starts its delivery.
func (m *Manager) Add(sp Spec) (store.Webhook, error) {
	w, err := m.Registry.Add(sp)
	if err != nil {
		return w, err
	}
	m.start(w)
	w.Secret = ""
	return w, nil
}

// Delete stops a webhook, forgets it and removes its consumer.
func (m *Manager) Delete(id string) error {
	if _, err := m.Store.GetWebhook(id); err != nil {
		return err
	}
	m.stop(id)
	if err := m.Registry.Delete(id); err != nil {
		return err
	}
	return m.cfg.Events.DeleteEventConsumer(m.ctx, pipeline.ConsumerWebhookPrefix+id)
}

// Running lists the ids of the webhooks being delivered.
func (m *Manager) Running() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.running))
	for id := range m.running {
		ids = append(ids, id)
	}
	return ids
}

// Close stops every sender and waits for them.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	ids := make([]string, 0, len(m.running))
	for id := range m.running {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		m.stop(id)
	}
	return nil
}

func (m *Manager) deadLetterSamples() []metrics.Sample {
	counts, err := m.Store.DeadLetterCounts()
	if err != nil {
		m.cfg.Log.Debug("metrics: dead letters", "err", err)
		return nil
	}
	hooks, _ := m.Store.Webhooks()
	out := make([]metrics.Sample, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, metrics.Sample{Labels: []string{h.ID}, Value: float64(counts[h.ID])})
	}
	return out
}

// describe is a webhook as one line of a log.
func describe(h store.Webhook) string {
	return fmt.Sprintf("%s %s events=%s mailbox=%q", h.ID, h.URL, strings.Join(h.Events, ","), h.Mailbox)
}
