package main

import (
	"context"
	"time"

	"chapar/config"
	"chapar/deliver/outbound"
	"chapar/pipeline"
	"chapar/pipeline/bus"
)

// startOutbound runs the worker that sends what CHAPAR_OUTBOUND holds
// (Sieve redirects, vacation replies, MDNs) through smtp_relay when it is
// set, else through the sendmail program.
func (n *node) startOutbound(ctx context.Context, cfg *config.Config) {
	var via pipeline.Sender = outbound.Sendmail{Path: cfg.Sendmail}
	if cfg.SMTPRelay != "" {
		via = outbound.Relay{Addr: cfg.SMTPRelay, HeloName: cfg.ServerName}
	}
	log := n.log.With("service", "outbound")
	r := bus.NewOutboundRunner(n.bus, bus.OutboundConfig{Log: n.log,
		RetryBackoff: cfg.OutboundMinBackoff, MaxAge: cfg.OutboundMaxAge},
		outbound.Once{Store: n.store, Sender: via, Log: log})
	n.goRun("outbound", func() error { return r.Run(ctx) })
}

// outboundMarkAge is how long the sent marks of outbound messages are
// kept: longer than the outbound worker retries one (5 days).
const outboundMarkAge = 8 * 24 * time.Hour
