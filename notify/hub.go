package notify

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"chapar/pipeline"
	"chapar/store"

	"github.com/nats-io/nats.go"
)

// Hub turns one NATS subscription to every change event into wake-ups for
// the watchers of each mailbox: ten thousand idling IMAP sessions cost one
// subscription and a map entry each, not ten thousand subscriptions.
type Hub struct {
	sub *nats.Subscription
	log *slog.Logger

	mu       sync.Mutex
	watchers map[string]map[*Watch]struct{} // mailbox unique id → watchers
}

// Watch receives the events of one mailbox.
type Watch struct {
	hub       *Hub
	mailboxID string
	c         chan struct{}

	mu     sync.Mutex
	events []store.Event
}

// NewHub subscribes to all change events on nc.
func NewHub(nc *nats.Conn, log *slog.Logger) (*Hub, error) {
	h := &Hub{log: log, watchers: map[string]map[*Watch]struct{}{}}
	sub, err := nc.Subscribe(pipeline.SubjectEventPrefix+">", h.dispatch)
	if err != nil {
		return nil, err
	}
	// IDLE pushes must not be dropped because one slow consumer filled the
	// default pending limits.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return nil, err
	}
	h.sub = sub
	return h, nil
}

// Close ends the subscription.
func (h *Hub) Close() error { return h.sub.Unsubscribe() }

func (h *Hub) dispatch(m *nats.Msg) {
	rest := strings.TrimPrefix(m.Subject, pipeline.SubjectEventPrefix)
	id, _, ok := strings.Cut(rest, ".")
	if !ok {
		return
	}
	h.mu.Lock()
	ws := h.watchers[id]
	if len(ws) == 0 {
		h.mu.Unlock()
		return
	}
	var ev store.Event
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		h.mu.Unlock()
		h.log.Warn("undecodable event", "subject", m.Subject, "err", err)
		return
	}
	for w := range ws {
		w.push(ev)
	}
	h.mu.Unlock()
}

// Watch starts watching a mailbox; Close the watch when done.
func (h *Hub) Watch(mailboxID string) *Watch {
	w := &Watch{hub: h, mailboxID: mailboxID, c: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.watchers[mailboxID] == nil {
		h.watchers[mailboxID] = map[*Watch]struct{}{}
	}
	h.watchers[mailboxID][w] = struct{}{}
	h.mu.Unlock()
	return w
}

// Close stops the watch.
func (w *Watch) Close() {
	h := w.hub
	h.mu.Lock()
	delete(h.watchers[w.mailboxID], w)
	if len(h.watchers[w.mailboxID]) == 0 {
		delete(h.watchers, w.mailboxID)
	}
	h.mu.Unlock()
}

// C is signalled when events arrived since the last Take.
func (w *Watch) C() <-chan struct{} { return w.c }

// Take returns and forgets the events received so far.
func (w *Watch) Take() []store.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	evs := w.events
	w.events = nil
	return evs
}

// maxQueued bounds what a watcher that never takes can hold; past it only
// the wake-up matters (the session re-reads the index anyway).
const maxQueued = 1024

func (w *Watch) push(ev store.Event) {
	w.mu.Lock()
	if len(w.events) < maxQueued {
		w.events = append(w.events, ev)
	}
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default:
	}
}
