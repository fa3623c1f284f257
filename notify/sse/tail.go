package sse

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"chapar/pipeline"
	"chapar/store"
)

// tail is one reading of the event stream shared by every SSE client: a
// hundred dashboards cost one JetStream consumer, not a hundred (issue 13:
// SSE must add little to delivery). It keeps the latest events in a ring,
// so a client that reconnects with a recent Last-Event-ID resumes from
// memory; one further back reads the stream with a consumer of its own.
type tail struct {
	events pipeline.EventLog
	store  *store.Store
	log    *slog.Logger

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	ring    ring
	subs    map[*subscriber]struct{}
}

// subscriber is one client fed by the tail: the events its viewer sees.
// Its channel is closed when the client falls behind by more than it
// holds: the client reconnects and resumes with Last-Event-ID, so it
// loses nothing.
type subscriber struct {
	c      chan []byte // frames
	viewer *viewer
}

// subscriberBuffer is how far a client may fall behind the tail.
const subscriberBuffer = 1024

func newTail(events pipeline.EventLog, st *store.Store, size int, log *slog.Logger) *tail {
	return &tail{events: events, store: st, log: log, ring: ring{buf: make([]pipeline.LoggedEvent, size)}, subs: map[*subscriber]struct{}{}}
}

// subscribe feeds a client from sequence from on (0: from now). ok is
// false when the ring no longer holds everything from there: the client
// must read the stream itself. The events the ring holds come back as
// backlog, to be sent before the channel's.
func (t *tail) subscribe(v *viewer, from uint64) (sub *subscriber, backlog []pipeline.LoggedEvent, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		t.start()
	}
	if from != 0 {
		// Covered only if the ring reaches back to from: the tail has
		// read every event from its first on.
		oldest, ok := t.ring.oldest()
		if !ok || from < oldest {
			return nil, nil, false
		}
		backlog = t.ring.from(from)
	}
	sub = &subscriber{c: make(chan []byte, subscriberBuffer), viewer: v}
	t.subs[sub] = struct{}{}
	return sub, backlog, true
}

// unsubscribe forgets a client that went away.
func (t *tail) unsubscribe(sub *subscriber) {
	t.mu.Lock()
	if _, ok := t.subs[sub]; ok {
		delete(t.subs, sub)
		close(sub.c)
	}
	t.mu.Unlock()
}

// start begins reading the stream; t.mu is held.
func (t *tail) start() {
	ctx, cancel := context.WithCancel(context.Background())
	t.started, t.cancel = true, cancel
	go func() {
		for ctx.Err() == nil {
			err := t.events.Replay(ctx, 0, t.publish)
			if ctx.Err() != nil {
				return
			}
			t.log.Warn("events: the shared tail stopped; reading again", "err", err)
			// What was read before the gap can no longer vouch for
			// what follows it: resuming clients read for themselves
			// until the ring refills.
			t.mu.Lock()
			t.ring.reset()
			t.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// publish hands one event to every client that sees it and keeps it in
// the ring. Who sees it is decided here, once per client, with the event
// decoded and framed once and its mailbox looked up at most once.
func (t *tail) publish(e pipeline.LoggedEvent) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ring.add(e)
	if len(t.subs) == 0 {
		return nil
	}
	a := aboutOf(e)
	lookup := lookupOnce(t.store)
	var frame []byte
	for sub := range t.subs {
		if !sub.viewer.sees(e.Type, a, lookup) {
			continue
		}
		if frame == nil {
			frame = frameOf(e)
		}
		select {
		case sub.c <- frame:
		default:
			// Too far behind: end its stream rather than hold
			// everyone up; it resumes from its last id.
			delete(t.subs, sub)
			close(sub.c)
		}
	}
	return nil
}

// close stops reading the stream and ends every client's feed.
func (t *tail) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancel != nil {
		t.cancel()
	}
	for sub := range t.subs {
		delete(t.subs, sub)
		close(sub.c)
	}
}

// ring holds the latest events, overwriting the oldest.
type ring struct {
	buf  []pipeline.LoggedEvent
	next int // where the next event goes
	n    int // how many are held
}

func (r *ring) add(e pipeline.LoggedEvent) {
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

func (r *ring) reset() { r.next, r.n = 0, 0 }

// at returns the i-th oldest event held.
func (r *ring) at(i int) pipeline.LoggedEvent {
	return r.buf[(r.next-r.n+i+len(r.buf))%len(r.buf)]
}

func (r *ring) oldest() (uint64, bool) {
	if r.n == 0 {
		return 0, false
	}
	return r.at(0).Seq, true
}

// from returns the events held from sequence seq on, oldest first.
func (r *ring) from(seq uint64) []pipeline.LoggedEvent {
	var out []pipeline.LoggedEvent
	for i := 0; i < r.n; i++ {
		if e := r.at(i); e.Seq >= seq {
			out = append(out, e)
		}
	}
	return out
}
