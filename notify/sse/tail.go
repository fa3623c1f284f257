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
	// The clients, administrators apart and the others by user, so that
	// an event is offered to those it may concern, not to every client.
	admins map[*subscriber]struct{}
	byUser map[string]map[*subscriber]struct{}
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
	return &tail{events: events, store: st, log: log, ring: ring{buf: make([]pipeline.LoggedEvent, size)},
		admins: map[*subscriber]struct{}{}, byUser: map[string]map[*subscriber]struct{}{}}
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
	if v.admin {
		t.admins[sub] = struct{}{}
	} else {
		if t.byUser[v.user] == nil {
			t.byUser[v.user] = map[*subscriber]struct{}{}
		}
		t.byUser[v.user][sub] = struct{}{}
	}
	return sub, backlog, true
}

// unsubscribe forgets a client that went away.
func (t *tail) unsubscribe(sub *subscriber) {
	t.mu.Lock()
	t.drop(sub)
	t.mu.Unlock()
}

// drop forgets a client and ends its feed, once; t.mu is held.
func (t *tail) drop(sub *subscriber) {
	if sub.viewer.admin {
		if _, ok := t.admins[sub]; !ok {
			return
		}
		delete(t.admins, sub)
	} else {
		subs := t.byUser[sub.viewer.user]
		if _, ok := subs[sub]; !ok {
			return
		}
		delete(subs, sub)
		if len(subs) == 0 {
			delete(t.byUser, sub.viewer.user)
		}
	}
	close(sub.c)
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
// the ring. The event is decoded and framed once, its mailbox looked up
// at most once, and offered only to the clients it may concern: the
// administrators, its owner's, and everyone's only when its mailbox is
// shared. A hundred users' streams cost a wake-up per event, not a
// hundred.
func (t *tail) publish(e pipeline.LoggedEvent) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ring.add(e)
	if len(t.admins) == 0 && len(t.byUser) == 0 {
		return nil
	}
	a := aboutOf(e)
	lookup := lookupOnce(t.store)
	var frame []byte
	offer := func(subs map[*subscriber]struct{}) {
		for sub := range subs {
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
				t.drop(sub)
			}
		}
	}
	offer(t.admins)
	users, byMailbox := audience(e.Type, a)
	for i, u := range users {
		if u != "" && (i == 0 || u != users[0]) {
			offer(t.byUser[u])
		}
	}
	if byMailbox {
		if _, shared := lookup(a.Mailbox); shared {
			for u, subs := range t.byUser {
				if u != users[0] {
					offer(subs)
				}
			}
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
	for sub := range t.admins {
		t.drop(sub)
	}
	for _, subs := range t.byUser {
		for sub := range subs {
			t.drop(sub)
		}
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
