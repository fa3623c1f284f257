package admin

import (
	"errors"
	"fmt"

	"chapar/notify/webhook"
	"chapar/store"
)

// The webhook commands (chapar webhook add|list|delete|dead).
const (
	CmdWebhookAdd    = "webhook.add"    // WebhookArgs (URL, Secret, Events, Mailbox, Batch) → store.Webhook without secret
	CmdWebhookList   = "webhook.list"   // none → []store.Webhook without secrets
	CmdWebhookDelete = "webhook.delete" // WebhookArgs with ID
	CmdWebhookDead   = "webhook.dead"   // WebhookArgs with ID → []store.DeadLetter
)

// WebhookArgs names a webhook, or describes a new one.
type WebhookArgs struct {
	ID      string   `json:"id,omitempty"`
	URL     string   `json:"url,omitempty"`
	Secret  string   `json:"secret,omitempty"`
	Events  []string `json:"events,omitempty"`
	Mailbox string   `json:"mailbox,omitempty"`
	Batch   int      `json:"batch,omitempty"`
}

// Webhooks keeps the webhooks: the running server's webhook.Manager,
// which also starts and stops their delivery, or a webhook.Registry on a
// store opened by the command line.
type Webhooks interface {
	Add(webhook.Spec) (store.Webhook, error)
	List() ([]store.Webhook, error)
	Delete(id string) error
	DeadLetters(id string) ([]store.DeadLetter, error)
}

var errNoWebhooks = errors.New("webhooks are not available in this process")

func (c *Commands) webhook(cmd string, a WebhookArgs) (any, error) {
	if c.Webhooks == nil {
		return nil, errNoWebhooks
	}
	switch cmd {
	case CmdWebhookAdd:
		w, err := c.Webhooks.Add(webhook.Spec{URL: a.URL, Secret: a.Secret, Events: a.Events, Mailbox: a.Mailbox, Batch: a.Batch})
		if err != nil {
			return nil, fmt.Errorf("webhook add: %w", err)
		}
		w.Secret = ""
		return w, nil
	case CmdWebhookList:
		hooks, err := c.Webhooks.List()
		if hooks == nil {
			hooks = []store.Webhook{}
		}
		for i := range hooks {
			hooks[i].Secret = ""
		}
		return hooks, err
	case CmdWebhookDelete:
		return nil, c.Webhooks.Delete(a.ID)
	case CmdWebhookDead:
		dead, err := c.Webhooks.DeadLetters(a.ID)
		if dead == nil {
			dead = []store.DeadLetter{}
		}
		return dead, err
	}
	return nil, fmt.Errorf("unknown admin command %q", cmd)
}
