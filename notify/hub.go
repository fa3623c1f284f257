package notify

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"chapar/pipeline"
	"chapar/store"
)

// Hub turns one subscription to every change event into wake-ups for
// the watchers of each mailbox: ten thousand idling IMAP sessions cost one
// subscription and a map entry each, not ten thousand subscriptions. A
// watcher learns that its mailbox changed and which kinds of change, from
// the subject alone: it reads what changed from the store, so the event's
// body is never decoded here (that was a JSON decode per event, and a copy
// of the event per watcher).
type Hub struct {
	stop func() error
	log  *slog.Logger

	mu       sync.Mutex
	watchers map[string]*mailboxWatchers // by mailbox unique id
	// kindWatchers are woken by kinds of event in any mailbox (watchset.go).
	kindWatchers map[*KindWatch]struct{}

	reads atomic.Int64 // store reads made through Watch.Changes
}

// mailboxWatchers are the watches of one mailbox and the reads of its
// changes they share until the next event (sharedread.go). A watch keeps
// the one it joined: it stays in the hub's map while any watch is in it.
type mailboxWatchers struct {
	watches map[*Watch]struct{} // under Hub.mu
	shared  sharedReads         // under its own lock
}

// Watch receives the events of one mailbox.
type Watch struct {
	hub       *Hub
	mailboxID string
	mw        *mailboxWatchers
	closed    atomic.Bool
	c         chan struct{}

	mu    sync.Mutex
	kinds []store.EventType
}

// NewHub follows every change event on feed.
func NewHub(feed pipeline.EventFeed, log *slog.Logger) (*Hub, error) {
	h := &Hub{log: log, watchers: map[string]*mailboxWatchers{}}
	stop, err := feed.Follow(h.dispatch)
	if err != nil {
		return nil, fmt.Errorf("event hub: %w", err)
	}
	h.stop = stop
	return h, nil
}

// Close stops following the events.
func (h *Hub) Close() error { return h.stop() }

func (h *Hub) dispatch(id, kind string) {
	h.mu.Lock()
	if mw := h.watchers[id]; mw != nil {
		// What was read before this event may lack it.
		mw.shared.reset()
		for w := range mw.watches {
			w.push(store.EventType(kind))
		}
	}
	h.dispatchKinds(store.EventType(kind))
	h.mu.Unlock()
}

// Watch starts watching a mailbox; Close the watch when done.
func (h *Hub) Watch(mailboxID string) *Watch {
	w := &Watch{hub: h, mailboxID: mailboxID, c: make(chan struct{}, 1)}
	h.mu.Lock()
	mw := h.watchers[mailboxID]
	if mw == nil {
		mw = &mailboxWatchers{watches: map[*Watch]struct{}{}}
		h.watchers[mailboxID] = mw
	}
	mw.watches[w] = struct{}{}
	w.mw = mw
	h.mu.Unlock()
	return w
}

// Close stops the watch.
func (w *Watch) Close() {
	h := w.hub
	w.closed.Store(true)
	h.mu.Lock()
	if mw := h.watchers[w.mailboxID]; mw != nil {
		delete(mw.watches, w)
		if len(mw.watches) == 0 {
			delete(h.watchers, w.mailboxID)
		}
	}
	h.mu.Unlock()
}

// C is signalled when events arrived since the last Take.
func (w *Watch) C() <-chan struct{} { return w.c }

// Take returns and forgets the kinds of change seen since the last Take,
// in the order they came, each once.
func (w *Watch) Take() []store.EventType {
	w.mu.Lock()
	defer w.mu.Unlock()
	kinds := w.kinds
	w.kinds = nil
	return kinds
}

// Forget drops the kinds of change seen since the last Take, for a
// watcher that reads everything anyway: keeping the slice (never handed
// out by Take, which lets go of it) spares an allocation per watcher per
// event.
func (w *Watch) Forget() {
	w.mu.Lock()
	w.kinds = w.kinds[:0]
	w.mu.Unlock()
}

func (w *Watch) push(kind store.EventType) {
	w.mu.Lock()
	if !slices.Contains(w.kinds, kind) {
		w.kinds = append(w.kinds, kind)
	}
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default:
	}
}
