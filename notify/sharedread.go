package notify

import "chapar/store"

// A thousand sessions idling on one mailbox are woken by the same event
// and, being in step, ask the store the same question: what changed after
// modseq M. They share one read of the answer instead of making a
// thousand (issue: IDLE fan-out that scales with mailboxes, not sessions).
//
// A shared answer is good until the next event of the mailbox: the read
// starts after the event that woke its first asker was dispatched, so it
// holds that event's change; the next event drops the answers (dispatch)
// and wakes every watcher again, so an answer read just before a later
// commit is never the last word.

// sharedRead is one read of a mailbox's changes, in flight or done.
type sharedRead struct {
	done chan struct{}
	ch   *store.Changes
	err  error
}

// Changes answers what changed in the watched mailbox after since, by
// calling read or by sharing the answer another watcher of the mailbox
// read for the same since after the latest event. The answer is shared:
// callers must not change it. Only a watcher that was woken may ask: an
// answer read before the caller's own latest commit's event could lack
// that commit.
func (w *Watch) Changes(since uint64, read func() (*store.Changes, error)) (*store.Changes, error) {
	h := w.hub
	h.mu.Lock()
	mw := h.watchers[w.mailboxID]
	if mw == nil {
		h.mu.Unlock()
		return read()
	}
	if r := mw.reads[since]; r != nil {
		h.mu.Unlock()
		<-r.done
		return r.ch, r.err
	}
	r := &sharedRead{done: make(chan struct{})}
	if mw.reads == nil {
		mw.reads = map[uint64]*sharedRead{}
	}
	mw.reads[since] = r
	h.mu.Unlock()
	h.reads.Add(1)
	defer close(r.done) // waiters must not hang on a read that panicked
	r.ch, r.err = read()
	return r.ch, r.err
}

// Reads counts the store reads made through Changes since the hub started.
func (h *Hub) Reads() int64 { return h.reads.Load() }
