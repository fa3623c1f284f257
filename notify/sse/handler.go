// Package sse serves the change events as Server-Sent Events (the WHATWG
// HTML standard's text/event-stream) on GET /events: each event a user may
// see, as it is published, resumable from the stream's sequence with
// Last-Event-ID, and filterable by type and mailbox. Integrators that do
// not speak NATS, and the ops page, read the events here.
package sse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"chapar/internal/httpauth"
	"chapar/pipeline"
	"chapar/store"
)

// Config configures the handler.
type Config struct {
	Store  *store.Store
	Events pipeline.EventLog
	// Authenticate checks a user's password, as IMAP LOGIN does.
	Authenticate func(user, password string) (bool, error)
	// Users canonicalises user names (virtdomains, defaultdomain).
	Users  store.UserRule
	Admins []string
	// Keepalive is how often a comment line keeps an idle stream (and the
	// proxies on its way) open. Default 15s.
	Keepalive time.Duration
	// Coalesce is how long a stream gathers events before writing them
	// out together. Default 50ms: at 10 ms, a hundred streams cost the
	// server 10,000 writes a second under load, most of SSE's share of
	// the CPU; integrators and dashboards do not need events sooner.
	Coalesce time.Duration
	// Recent is how many of the latest events the shared tail keeps for
	// clients that resume (tail.go). Default 4096.
	Recent int
	Log    *slog.Logger
}

// Handler serves GET /events.
type Handler struct {
	cfg    Config
	admins map[string]bool
	tail   *tail
}

// NewHandler builds the handler.
func NewHandler(cfg Config) *Handler {
	if cfg.Keepalive <= 0 {
		cfg.Keepalive = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Coalesce <= 0 {
		cfg.Coalesce = 50 * time.Millisecond
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 4096
	}
	h := &Handler{cfg: cfg, admins: map[string]bool{}, tail: newTail(cfg.Events, cfg.Store, cfg.Recent, cfg.Log)}
	for _, a := range cfg.Admins {
		h.admins[cfg.Users.Canonical(a)] = true
	}
	return h
}

// Close stops the shared tail and ends every stream it feeds.
func (h *Handler) Close() { h.tail.close() }

// ServeHTTP streams events until the client goes away.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, ok := h.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="chapar events", charset="UTF-8"`)
		http.Error(w, "credentials required", http.StatusUnauthorized)
		return
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	from, err := resumeFrom(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not hold the stream back
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	v := &viewer{user: user, admin: h.admins[user], actor: h.cfg.Store.As(user, h.admins[user]), filter: f}
	s := &stream{h: h, w: w, rc: rc, viewer: v}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go s.keepalive(ctx, cancel)
	if sub, backlog, ok := h.tail.subscribe(v, from); ok {
		defer h.tail.unsubscribe(sub)
		err = s.follow(ctx, sub, backlog)
	} else {
		// Further back than the tail remembers: a reader of its own.
		err = h.cfg.Events.Replay(ctx, from, s.send)
	}
	if err != nil && !errors.Is(err, errClientGone) && ctx.Err() == nil {
		h.cfg.Log.Warn("events stream ended", "user", user, "err", err)
	}
}

// authenticate checks the request's credentials (httpauth.Credentials).
func (h *Handler) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := httpauth.Credentials(r)
	if !ok {
		return "", false
	}
	user = h.cfg.Users.Canonical(user)
	good, err := h.cfg.Authenticate(user, pass)
	if err != nil {
		h.cfg.Log.Warn("events: checking a password", "user", user, "err", err)
	}
	return user, good && err == nil
}

// resumeFrom is the stream sequence to start from: after Last-Event-ID
// (the header an EventSource sends when it reconnects, or the query
// parameter for a first connection), else only new events.
func resumeFrom(r *http.Request) (uint64, error) {
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	if last == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(last, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Last-Event-ID %q is not an event id of this server", last)
	}
	return n + 1, nil
}

var errClientGone = errors.New("client gone")

// stream is one client's connection.
type stream struct {
	h      *Handler
	w      http.ResponseWriter
	rc     *http.ResponseController
	viewer *viewer
	// mu serialises the keepalive with events.
	mu sync.Mutex
	// pending is what write gathered for the next flush.
	pending []byte
}

// follow sends the backlog, then what the shared tail hands on, until the
// client goes or falls too far behind (its feed is closed: the stream
// ends, and the client's EventSource resumes from its last id). Events
// that come within Coalesce of each other go out in one write.
func (s *stream) follow(ctx context.Context, sub *subscriber, backlog []pipeline.LoggedEvent) error {
	for _, e := range backlog {
		s.write(e)
	}
	if err := s.flush(); err != nil {
		return err
	}
	window := time.NewTimer(time.Hour)
	window.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case frame, ok := <-sub.c:
			if !ok {
				return nil
			}
			s.add(frame)
		}
		// Sleep out a short window without listening to the feed, then
		// take what gathered in one go: the tail's sends meanwhile only
		// fill the buffer, so a hundred clients cost a wake-up and a
		// write each per window, not per event, for at most that much
		// delay.
		window.Reset(s.h.cfg.Coalesce)
		select {
		case <-window.C:
		case <-ctx.Done():
			window.Stop()
			return nil
		}
	drain:
		for range maxCoalesced {
			select {
			case frame, ok := <-sub.c:
				if !ok {
					s.flush()
					return nil
				}
				s.add(frame)
			default:
				break drain
			}
		}
		if err := s.flush(); err != nil {
			return err
		}
	}
}

// maxCoalesced bounds how many waiting events go out in one write.
const maxCoalesced = 256

// about is what the handler reads of an event to decide who sees it.
type about struct {
	Mailbox string `json:"mailbox"`
	User    string `json:"user"`
	UserID  string `json:"userId"`
	ok      bool
}

// send is the Replay callback of a stream reading for itself.
func (s *stream) send(e pipeline.LoggedEvent) error {
	s.write(e)
	return s.flush()
}

// aboutOf reads what decides who sees an event; ok is false for an event
// whose JSON does not decode (it is sent to nobody).
func aboutOf(e pipeline.LoggedEvent) about {
	var a about
	a.ok = json.Unmarshal(e.Data, &a) == nil
	return a
}

// frameOf is an event as the stream sends it. One line of JSON:
// json.Marshal never writes a newline, so the data field needs no
// splitting.
func frameOf(e pipeline.LoggedEvent) []byte {
	b := make([]byte, 0, len(e.Data)+len(e.Type)+40)
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, "\nevent: "...)
	b = append(b, e.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, e.Data...)
	return append(b, "\n\n"...)
}

// write adds an event read from the log to what the next flush sends,
// if the viewer sees it (the tail's events are sorted already).
func (s *stream) write(e pipeline.LoggedEvent) {
	if s.viewer.sees(e.Type, aboutOf(e), lookupOnce(s.h.cfg.Store)) {
		s.add(frameOf(e))
	}
}

// add puts a frame in what the next flush sends.
func (s *stream) add(frame []byte) {
	s.mu.Lock()
	s.pending = append(s.pending, frame...)
	s.mu.Unlock()
}

// flush sends what write gathered in one write: the response's own
// buffer is a few KiB, and a window's events written one by one through
// it cost a system call for every few KiB instead of one.
func (s *stream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) > 0 {
		_, err := s.w.Write(s.pending)
		if cap(s.pending) > maxPendingKept {
			s.pending = nil
		} else {
			s.pending = s.pending[:0]
		}
		if err != nil {
			return errClientGone
		}
	}
	if err := s.rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}

// maxPendingKept is the largest gathering buffer a stream keeps between
// windows; a burst's bigger one goes back to the collector.
const maxPendingKept = 256 << 10

func (s *stream) keepalive(ctx context.Context, cancel context.CancelFunc) {
	t := time.NewTicker(s.h.cfg.Keepalive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			_, err := fmt.Fprint(s.w, ": keepalive\n\n")
			if err == nil {
				err = s.rc.Flush()
			}
			s.mu.Unlock()
			if err != nil {
				cancel()
				return
			}
		}
	}
}
