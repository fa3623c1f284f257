package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"chapar/access/ops"
	"chapar/config"
	"chapar/internal/conncap"
	"chapar/internal/httpauth"
	"chapar/internal/metrics"
	"chapar/notify/sse"
	"chapar/pipeline/bus"
)

// The operator's view: the process's metrics registry, filled by every
// part built with it, and the HTTP endpoint on http_listen.

// newMetrics makes the registry and the series read at scrape time: the
// consumers' backlogs, the open sessions.
func (n *node) newMetrics() {
	n.metrics = metrics.NewRegistry()
	commits := n.metrics.Histogram("chapar_store_commit_seconds",
		"Time of one index transaction of the store, its fsync included.", nil).With()
	group := n.metrics.Histogram("chapar_store_commit_group_size",
		"Changes that shared one index transaction (the group commit).",
		[]float64{1, 2, 4, 8, 16, 32, 64, 128, 256}).With()
	n.onCommit = func(took time.Duration, size int) {
		commits.Observe(took)
		group.ObserveValue(float64(size))
	}
}

// watchSessions exposes a service's open connections, as its limiter
// counts them.
func (n *node) watchSessions(service string, lim *conncap.Limiter) {
	n.sessionCounts = append(n.sessionCounts, serviceCount{service, lim})
}

type serviceCount struct {
	service string
	lim     *conncap.Limiter
}

// registerScrapeSeries adds what is read when scraped.
func (n *node) registerScrapeSeries() {
	n.metrics.GaugeFunc("chapar_sessions", "Connections open, per service (imap counts imaps too).", []string{"service"}, func() []metrics.Sample {
		var out []metrics.Sample
		for _, sc := range n.sessionCounts {
			out = append(out, metrics.Sample{Labels: []string{sc.service}, Value: float64(sc.lim.Total())})
		}
		return out
	})
	n.metrics.GaugeFunc("chapar_imap_idle_sessions", "IMAP sessions in IDLE.", nil, func() []metrics.Sample {
		if n.imap == nil {
			return nil
		}
		return []metrics.Sample{{Value: float64(n.imap.Stats().Idling)}}
	})
	backlog := func(pick func(bus.Backlog) uint64) func() []metrics.Sample {
		return func() []metrics.Sample {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			bl, err := n.bus.Backlogs(ctx)
			if err != nil {
				n.log.Debug("metrics: consumer backlogs", "err", err)
			}
			out := make([]metrics.Sample, len(bl))
			for i, b := range bl {
				out[i] = metrics.Sample{Labels: []string{b.Stream, b.Consumer}, Value: float64(pick(b))}
			}
			return out
		}
	}
	labels := []string{"stream", "consumer"}
	n.metrics.GaugeFunc("chapar_consumer_pending", "Messages a durable consumer has still to take: a stage's lag.", labels,
		backlog(func(b bus.Backlog) uint64 { return b.Pending }))
	n.metrics.GaugeFunc("chapar_consumer_ack_pending", "Messages a durable consumer took and has not settled.", labels,
		backlog(func(b bus.Backlog) uint64 { return b.AckPending }))
	n.metrics.GaugeFunc("chapar_consumer_redelivered", "Messages the server delivered to a consumer more than once and not yet settled.", labels,
		backlog(func(b bus.Backlog) uint64 { return b.Redelivered }))
}

// startOps serves /metrics, /healthz, /readyz and the events (SSE,
// /events) on http_listen.
func (n *node) startOps(cfg *config.Config) error {
	if len(cfg.HTTPListen) == 0 {
		return nil
	}
	n.registerScrapeSeries()
	events := sse.NewHandler(sse.Config{
		Store:        n.store,
		Events:       n.bus,
		Authenticate: n.passwordCheck(cfg),
		Users:        userRule(cfg),
		Admins:       cfg.Admins,
		Log:          n.log.With("service", "http"),
	})
	n.closers = append(n.closers, func() error { events.Close(); return nil })
	srv := ops.NewServer(ops.Config{
		Metrics:  n.metrics,
		Ready:    n.ready,
		Handlers: map[string]http.Handler{"GET /events": events},
		Admin:    n.httpAdmin(cfg),
		Log:      n.log.With("service", "http"),
	})
	n.closers = append(n.closers, srv.Close)
	return n.listen("http", "http_listen", cfg.HTTPListen, func(l net.Listener) error { return srv.Serve(l) })
}

// ready says whether this process can take mail: its JetStream answers
// and the store is open.
func (n *node) ready(ctx context.Context) error {
	if n.bus == nil || n.store == nil {
		return errors.New("starting")
	}
	if _, err := n.bus.JetStream().AccountInfo(ctx); err != nil {
		return fmt.Errorf("JetStream: %w", err)
	}
	if _, err := n.store.ListUsers(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// httpAdmin checks that a request carries an administrator's credentials.
func (n *node) httpAdmin(cfg *config.Config) func(r *http.Request) bool {
	check, users := n.passwordCheck(cfg), userRule(cfg)
	admins := map[string]bool{}
	for _, a := range cfg.Admins {
		admins[users.Canonical(a)] = true
	}
	return func(r *http.Request) bool {
		user, pass, ok := httpauth.Credentials(r)
		if !ok {
			return false
		}
		user = users.Canonical(user)
		good, err := check(user, pass)
		return err == nil && good && admins[user]
	}
}
