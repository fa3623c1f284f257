package notify

import (
	"sync"
	"sync/atomic"

	"chapar/store"
)

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
//
// The answers are the mailbox's own, under a lock of their own: behind
// the hub's lock, which dispatch holds while it wakes every watcher, the
// thousand woken sessions queued first for the end of the wake-up and
// then for each other (the mutex profile put about 2 ms of waiting on
// each session per delivery), and most of them find the answer through
// latest without any lock.

// sharedRead is one read of a mailbox's changes, in flight or done.
type sharedRead struct {
	since uint64
	done  chan struct{}
	ch    *store.Changes
	err   error
}

// sharedReads are the reads of one mailbox since its last event.
type sharedReads struct {
	// latest is the read made last, for the lock-free path: the sessions
	// of one wake-up mostly ask from the same modseq.
	latest atomic.Pointer[sharedRead]

	mu    sync.Mutex
	reads map[uint64]*sharedRead // by the modseq asked from
}

// reset forgets every answer; dispatch calls it before it wakes anyone,
// so a woken watcher never finds an answer read before its event.
func (r *sharedReads) reset() {
	r.mu.Lock()
	r.reads = nil
	r.latest.Store(nil)
	r.mu.Unlock()
}

// Changes answers what changed in the watched mailbox after since, by
// calling read or by sharing the answer another watcher of the mailbox
// read for the same since after the latest event. The answer is shared:
// callers must not change it. Only a watcher that was woken may ask: an
// answer read before the caller's own latest commit's event could lack
// that commit.
func (w *Watch) Changes(since uint64, read func() (*store.Changes, error)) (*store.Changes, error) {
	if w.closed.Load() {
		// No longer in the hub: nothing would drop an answer kept for it.
		return read()
	}
	sr := &w.mw.shared
	if r := sr.latest.Load(); r != nil && r.since == since {
		<-r.done
		return r.ch, r.err
	}
	sr.mu.Lock()
	if r := sr.reads[since]; r != nil {
		sr.mu.Unlock()
		<-r.done
		return r.ch, r.err
	}
	r := &sharedRead{since: since, done: make(chan struct{})}
	if sr.reads == nil {
		sr.reads = map[uint64]*sharedRead{}
	}
	sr.reads[since] = r
	sr.latest.Store(r)
	sr.mu.Unlock()
	w.hub.reads.Add(1)
	defer close(r.done) // waiters must not hang on a read that panicked
	r.ch, r.err = read()
	return r.ch, r.err
}

// Reads counts the store reads made through Changes since the hub started.
func (h *Hub) Reads() int64 { return h.reads.Load() }
