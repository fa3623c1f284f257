package main

import (
	"context"

	"chapar/access/admin"
	"chapar/config"
	"chapar/notify/webhook"
)

// startWebhooks runs the delivery of every webhook, with the notify
// service: the process that publishes the events also sends them on.
func (n *node) startWebhooks(ctx context.Context, cfg *config.Config) error {
	m, err := webhook.Start(ctx, webhook.Config{
		Store:       n.store,
		Events:      n.bus,
		Timeout:     cfg.WebhookTimeout,
		MaxAttempts: cfg.WebhookMaxAttempts,
		MinBackoff:  cfg.WebhookMinBackoff,
		MaxBackoff:  cfg.WebhookMaxBackoff,
		Metrics:     n.metrics,
		Log:         n.log.With("service", "webhook"),
	})
	if err != nil {
		return err
	}
	n.webhooks = m
	n.closers = append(n.closers, m.Close)
	return nil
}

// webhookAdmin is what the admin socket changes webhooks through: the
// running deliveries, or, in a process without the notify service, the
// store alone (a webhook added there starts with the next notify).
func (n *node) webhookAdmin() admin.Webhooks {
	if n.webhooks != nil {
		return n.webhooks
	}
	return webhook.Registry{Store: n.store}
}
