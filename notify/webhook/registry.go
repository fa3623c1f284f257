package webhook

import (
	"fmt"
	"time"

	"chapar/store"
)

// Registry changes the webhooks kept in the store, checking what an
// operator gives. Used alone when no server runs (the command line works
// on the store directly); the Manager wraps it to start and stop the
// deliveries too. A webhook deleted here leaves its consumer behind,
// which the next server's Start removes.
type Registry struct {
	Store *store.Store
}

// Spec is what an operator registers.
type Spec struct {
	URL     string   `json:"url"`
	Secret  string   `json:"secret"`
	Events  []string `json:"events,omitempty"`
	Mailbox string   `json:"mailbox,omitempty"`
	// Batch asks for JSON arrays of up to Batch events per POST (1 to
	// MaxBatch); 0, one event per POST.
	Batch int `json:"batch,omitempty"`
}

// Add checks and stores a webhook. It receives the events published
// from now on.
func (r Registry) Add(sp Spec) (store.Webhook, error) {
	if err := checkURL(sp.URL); err != nil {
		return store.Webhook{}, err
	}
	if err := checkSecret(sp.Secret); err != nil {
		return store.Webhook{}, err
	}
	if err := checkTypes(sp.Events); err != nil {
		return store.Webhook{}, err
	}
	if err := checkPattern(sp.Mailbox); err != nil {
		return store.Webhook{}, err
	}
	if sp.Batch < 0 || sp.Batch > MaxBatch {
		return store.Webhook{}, fmt.Errorf("batch %d: give 1 to %d events per POST, or 0 for one event without an array", sp.Batch, MaxBatch)
	}
	w, err := r.Store.AddWebhook(store.Webhook{URL: sp.URL, Secret: sp.Secret, Events: sp.Events,
		Mailbox: sp.Mailbox, Batch: sp.Batch, Created: time.Now().UTC()})
	if err != nil {
		return store.Webhook{}, err
	}
	return w, nil
}

// List returns the webhooks without their secrets.
func (r Registry) List() ([]store.Webhook, error) {
	hooks, err := r.Store.Webhooks()
	for i := range hooks {
		hooks[i].Secret = ""
	}
	return hooks, err
}

// Delete forgets a webhook and its dead letters.
func (r Registry) Delete(id string) error { return r.Store.DeleteWebhook(id) }

// DeadLetters lists the events a webhook gave up on.
func (r Registry) DeadLetters(id string) ([]store.DeadLetter, error) {
	dead, err := r.Store.DeadLetters(id)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	return dead, nil
}
