package notify

import (
	"slices"

	"chapar/store"
)

// An IMAP session under NOTIFY (RFC 5465) watches many mailboxes at once
// and the mailbox list itself. Its watches share one channel, so one
// select wakes it for any of them; which mailboxes changed it learns from
// each watch's Take.

// WatchWith starts watching a mailbox, signalling c (which must have room
// for one value) instead of a channel of the watch's own.
func (h *Hub) WatchWith(mailboxID string, c chan struct{}) *Watch {
	w := h.Watch(mailboxID)
	w.c = c
	return w
}

// KindWatch is woken by the events of the given kinds in any mailbox: the
// events that change the mailbox list (create, delete, rename, ACL,
// subscriptions) for NOTIFY's MailboxName and SubscriptionChange.
type KindWatch struct {
	hub   *Hub
	kinds []store.EventType
	c     chan struct{}
}

// WatchKinds starts a KindWatch signalling c; Close it when done.
func (h *Hub) WatchKinds(c chan struct{}, kinds ...store.EventType) *KindWatch {
	kw := &KindWatch{hub: h, kinds: kinds, c: c}
	h.mu.Lock()
	if h.kindWatchers == nil {
		h.kindWatchers = map[*KindWatch]struct{}{}
	}
	h.kindWatchers[kw] = struct{}{}
	h.mu.Unlock()
	return kw
}

// Close stops the watch.
func (kw *KindWatch) Close() {
	kw.hub.mu.Lock()
	delete(kw.hub.kindWatchers, kw)
	kw.hub.mu.Unlock()
}

// dispatchKinds wakes the kind watchers of kind; h.mu is held.
func (h *Hub) dispatchKinds(kind store.EventType) {
	for kw := range h.kindWatchers {
		if slices.Contains(kw.kinds, kind) {
			select {
			case kw.c <- struct{}{}:
			default:
			}
		}
	}
}
