package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Integrators attached during the lmtp scenario (issue 13: webhooks and
// SSE must add little to delivery): -sse N event streams read from
// -events-url, and a webhook receiver on -webhook-listen that the
// webhooks registered with `chapar webhook add` post to. Both live in
// this process and do as little as a client can (count, discard), so
// that what the run loses is the server's cost, not theirs. They are
// counted, so that a run whose clients received nothing is seen as the
// failure it is.
type attached struct {
	cfg *config

	sseEvents     atomic.Int64 // events read, over every stream
	sseReconnects atomic.Int64 // streams the server ended and we resumed
	hookPosts     atomic.Int64
	hookEvents    atomic.Int64

	srv    *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// attach starts the receiver and opens the streams, returning once every
// stream has been answered.
func attach(ctx context.Context, cfg *config) (*attached, error) {
	a := &attached{cfg: cfg}
	ctx, a.cancel = context.WithCancel(ctx)
	if cfg.webhookListen != "" {
		ln, err := net.Listen("tcp", cfg.webhookListen)
		if err != nil {
			a.cancel()
			return nil, fmt.Errorf("webhook receiver: %w", err)
		}
		a.srv = &http.Server{Handler: http.HandlerFunc(a.receive), ReadHeaderTimeout: 10 * time.Second}
		go a.srv.Serve(ln)
	}
	ready := make(chan error, cfg.sse)
	for i := 0; i < cfg.sse; i++ {
		user := cfg.eventsUser
		if user == eachUser {
			user = cfg.userName(i%cfg.users + 1)
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.follow(ctx, user, ready)
		}()
	}
	for i := 0; i < cfg.sse; i++ {
		if err := <-ready; err != nil {
			a.stop()
			return nil, fmt.Errorf("event stream: %w", err)
		}
	}
	return a, nil
}

// receive answers a webhook POST after reading it whole, as a receiver
// that acts on the events would.
func (a *attached) receive(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := int64(1)
	if b := r.Header.Get("X-Chapar-Batch"); b != "" {
		if v, err := strconv.ParseInt(b, 10, 64); err == nil {
			n = v
		}
	}
	a.hookPosts.Add(1)
	a.hookEvents.Add(n)
	w.WriteHeader(http.StatusNoContent)
}

// follow reads one event stream until ctx ends, resuming after the last
// id read when the server ends it (a client that fell behind is cut off
// and is expected to come back).
func (a *attached) follow(ctx context.Context, user string, ready chan<- error) {
	last := ""
	first := true
	for ctx.Err() == nil {
		err := a.read(ctx, user, &last, func(err error) {
			if first {
				first = false
				ready <- err
			}
		})
		if ctx.Err() != nil {
			return
		}
		if first {
			first = false
			ready <- err
			return
		}
		a.sseReconnects.Add(1)
		time.Sleep(50 * time.Millisecond)
	}
}

var idPrefix = []byte("id: ")

func (a *attached) read(ctx context.Context, user string, last *string, answered func(error)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.eventsURL, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, a.cfg.pass)
	if *last != "" {
		req.Header.Set("Last-Event-ID", *last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", a.cfg.eventsURL, resp.Status)
	}
	answered(nil)
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the rest of a long data line
		}
		if err != nil {
			return err
		}
		if id, ok := bytes.CutPrefix(line, idPrefix); ok {
			*last = string(bytes.TrimSpace(id))
			a.sseEvents.Add(1)
		}
	}
}

// eachUser as -events-user spreads the streams over the delivered users,
// each stream following its user's own events, as webmail tabs and
// phones' push gateways do; otherwise every stream logs in as the one
// user named (by default admin, who sees every event).
const eachUser = "each"

// sseWant is how many events the streams receive in all for n accepted
// recipients, each recipient being at least one event (MessageNew).
func (a *attached) sseWant(n int64) int64 {
	if a.cfg.eventsUser != eachUser {
		return n * int64(a.cfg.sse)
	}
	// Recipients go round the users, and so do the streams.
	return n * int64(a.cfg.sse) / int64(a.cfg.users)
}

// settle waits until the clients have received want events each (or
// nothing arrived for quiet), so that the figures count what the run
// produced, not what was still on its way.
func (a *attached) settle(ctx context.Context, wantSSE, wantHook int64, quiet time.Duration) {
	lastSSE, lastHook := int64(-1), int64(-1)
	still := time.Now()
	for ctx.Err() == nil {
		s, h := a.sseEvents.Load(), a.hookEvents.Load()
		if s >= wantSSE && h >= wantHook {
			return
		}
		if s != lastSSE || h != lastHook {
			lastSSE, lastHook, still = s, h, time.Now()
		} else if time.Since(still) > quiet {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *attached) stop() {
	a.cancel()
	if a.srv != nil {
		a.srv.Close()
	}
	a.wg.Wait()
}

// report adds what the attached clients received to the result.
func (a *attached) report(res *Result) {
	if a.cfg.sse > 0 {
		res.metric("sse events", float64(a.sseEvents.Load()), "")
		res.metric("sse reconnects", float64(a.sseReconnects.Load()), "")
	}
	if a.cfg.webhookListen != "" {
		res.metric("webhook posts", float64(a.hookPosts.Load()), "")
		res.metric("webhook events", float64(a.hookEvents.Load()), "")
	}
}
