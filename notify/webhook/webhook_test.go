package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/internal/metrics"
	"chapar/internal/testkit"
	"chapar/notify/webhook"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/store"
)

const secret = "0123456789abcdef-test"

// receiver is an integrator's endpoint: it checks every signature and
// keeps the event ids it accepted, in the order they came.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	accepted []uint64 // in arrival order, repeats included
	attempts int
	batches  []int // the events of each accepted POST
	bad      []string
	// status answers a request; nil answers 204.
	status func(r *http.Request) int
}

func newReceiver(t *testing.T, status func(r *http.Request) int) *receiver {
	rc := &receiver{t: t, status: status}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.attempts++
	status := rc.status
	rc.mu.Unlock()
	code := http.StatusNoContent
	if status != nil {
		code = status(r)
	}
	if code == 0 {
		return // the handler hung until the client gave up
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	id, ierr := strconv.ParseUint(r.Header.Get(webhook.HeaderEventID), 10, 64)
	ids := []uint64{id}
	var ev struct {
		Event string `json:"event"`
	}
	if r.Header.Get(webhook.HeaderBatch) != "" {
		// A batch: its elements carry the ids, the header the last.
		var batch []struct {
			ID    uint64 `json:"id"`
			Type  string `json:"type"`
			Event struct {
				Event string `json:"event"`
			} `json:"event"`
		}
		ids = nil
		if jerr := json.Unmarshal(body, &batch); jerr != nil || len(batch) == 0 {
			rc.bad = append(rc.bad, fmt.Sprintf("batch %v: %s", jerr, body))
		}
		for _, b := range batch {
			ids = append(ids, b.ID)
			if b.Type != b.Event.Event {
				rc.bad = append(rc.bad, "element type "+b.Type+" for "+b.Event.Event)
			}
		}
		if n := len(ids); n > 0 && (ids[n-1] != id || r.Header.Get(webhook.HeaderBatch) != strconv.Itoa(n) || r.Header.Get(webhook.HeaderEvent) != "") {
			rc.bad = append(rc.bad, fmt.Sprintf("batch headers %v for ids %v", r.Header, ids))
		}
		ev.Event = r.Header.Get(webhook.HeaderEvent)
	} else if json.Unmarshal(body, &ev) != nil {
		ev.Event = "?"
	}
	switch {
	case err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json":
		rc.bad = append(rc.bad, fmt.Sprintf("%s %s %v", r.Method, r.Header.Get("Content-Type"), err))
	case !webhook.Verify([]byte(secret), body, r.Header.Get(webhook.HeaderSignature)):
		rc.bad = append(rc.bad, "bad signature on "+string(body))
	case ierr != nil:
		rc.bad = append(rc.bad, "event id "+r.Header.Get(webhook.HeaderEventID))
	case ev.Event != r.Header.Get(webhook.HeaderEvent):
		rc.bad = append(rc.bad, "event type header "+r.Header.Get(webhook.HeaderEvent)+" for "+string(body))
	}
	if code/100 == 2 && ierr == nil {
		rc.accepted = append(rc.accepted, ids...)
		rc.batches = append(rc.batches, len(ids))
	}
	w.WriteHeader(code)
}

func (rc *receiver) url() string { return rc.srv.URL + "/hook" }

// got returns the accepted ids and the problems seen.
func (rc *receiver) got() ([]uint64, []string, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.accepted), slices.Clone(rc.bad), rc.attempts
}

// waitFor waits until the receiver accepted exactly want (after dropping
// repeats) and checks they came in stream order with good signatures.
func (rc *receiver) waitFor(want []uint64) {
	rc.t.Helper()
	testkit.CheckFor(rc.t, 30*time.Second, func() error {
		acc, bad, _ := rc.got()
		if len(bad) > 0 {
			return fmt.Errorf("bad requests: %v", bad)
		}
		uniq := dedup(acc)
		if !slices.Equal(uniq, want) {
			return fmt.Errorf("accepted %v, want %v", uniq, want)
		}
		return nil
	})
}

// dedup drops repeated ids, as a receiver does with X-Chapar-Event-Id,
// and fails on an id that comes after a later one (out of order).
func dedup(ids []uint64) []uint64 {
	var out []uint64
	seen := map[uint64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

type rig struct {
	t     *testing.T
	bus   *bus.Conn
	store *store.Store
	reg   *metrics.Registry
	seq   int
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, bus: bustest.Start(t, nil), store: testkit.OpenStore(t, store.Options{}), reg: metrics.NewRegistry()}
}

// cfg retries fast: a few milliseconds between attempts.
func (r *rig) cfg() webhook.Config {
	return webhook.Config{Store: r.store, Events: r.bus, Timeout: 2 * time.Second, MaxAttempts: 100,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Metrics: r.reg, Log: testkit.Quiet()}
}

func (r *rig) start(cfg webhook.Config) *webhook.Manager {
	r.t.Helper()
	m, err := webhook.Start(context.Background(), cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { m.Close() })
	return m
}

type ev struct{ mailbox, kind string }

// publish puts events on the stream as notify's publisher does and
// returns their stream sequences.
func (r *rig) publish(evs ...ev) []uint64 {
	r.t.Helper()
	msgs := make([]pipeline.EventMessage, len(evs))
	for i, e := range evs {
		r.seq++
		data, _ := json.Marshal(map[string]any{"event": e.kind, "mailbox": e.mailbox, "vnd.chapar.id": r.seq})
		msgs[i] = pipeline.EventMessage{ID: strconv.Itoa(r.seq), MailboxID: "id-" + strings.ReplaceAll(e.mailbox, ".", "-"), Type: e.kind, Data: data}
	}
	if n, err := r.bus.PublishOrdered(context.Background(), msgs); n != len(msgs) || err != nil {
		r.t.Fatalf("publish: %d, %v", n, err)
	}
	seqs := make([]uint64, len(evs))
	for i := range seqs {
		seqs[i] = uint64(r.seq - len(evs) + i + 1)
	}
	return seqs
}

func (r *rig) metric(line string) bool {
	var b strings.Builder
	r.reg.WriteText(&b)
	return strings.Contains(b.String(), line+"\n")
}

func pick(seqs []uint64, evs []ev, keep func(ev) bool) []uint64 {
	var out []uint64
	for i, e := range evs {
		if keep(e) {
			out = append(out, seqs[i])
		}
	}
	return out
}

// Every webhook gets the events it asked for, each signed, in stream
// order, with the type and mailbox filters applied; one added while no
// server ran is started with the others.
func TestDeliversSignedEventsInOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	all, onlyNew, alice := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	offline, err := webhook.Registry{Store: r.store}.Add(webhook.Spec{URL: all.url(), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	m := r.start(r.cfg())
	hNew, err := m.Add(webhook.Spec{URL: onlyNew.url(), Secret: secret, Events: []string{"MessageNew"}})
	if err != nil || hNew.Secret != "" {
		t.Fatalf("Add: %v; secret %q given back", err, hNew.Secret)
	}
	if _, err := m.Add(webhook.Spec{URL: alice.url(), Secret: secret, Mailbox: "user.alice*"}); err != nil {
		t.Fatal(err)
	}
	var evs []ev
	for i := range 40 {
		mb := []string{"user.alice", "user.bob", "user.alice.Sent", "user.alicex"}[i%4]
		kind := []string{"MessageNew", "FlagsSet", "MessageExpunge"}[i%3]
		evs = append(evs, ev{mb, kind})
	}
	evs = append(evs, ev{"", "Login"})
	seqs := r.publish(evs...)
	all.waitFor(seqs)
	onlyNew.waitFor(pick(seqs, evs, func(e ev) bool { return e.kind == "MessageNew" }))
	// "*" matches across levels and within a name, as in Cyrus.
	alice.waitFor(pick(seqs, evs, func(e ev) bool { return strings.HasPrefix(e.mailbox, "user.alice") }))
	// The sender counts a POST once its answer is read, which may be just
	// after the receiver has recorded it.
	testkit.CheckFor(t, 10*time.Second, func() error {
		if !r.metric(`chapar_webhook_deliveries_total{webhook="` + offline.ID + `",outcome="delivered"} 41`) {
			var b strings.Builder
			r.reg.WriteText(&b)
			return fmt.Errorf("deliveries not counted:\n%s", b.String())
		}
		return nil
	})
	if list, err := m.List(); err != nil || len(list) != 3 || list[0].Secret != "" {
		t.Errorf("List: %v %+v", err, list)
	}
}

// A receiver that answers 4xx, 5xx or not at all gets its attempts, then
// the event becomes a dead letter; meanwhile a healthy webhook gets every
// event at once, and nothing is left running after Close.
func TestFailingReceiversEndInDeadLetters(t *testing.T) {
	r := newRig(t)
	// The first publish starts nats.go's goroutines for asynchronous
	// acknowledgements: before counting.
	r.publish(ev{"user.carol", "MessageNew"})
	before := runtime.NumGoroutine()
	healthy := newReceiver(t, nil)
	refuses := newReceiver(t, func(*http.Request) int { return http.StatusBadRequest })
	fails := newReceiver(t, func(*http.Request) int { return http.StatusServiceUnavailable })
	hangs := newReceiver(t, func(req *http.Request) int {
		<-req.Context().Done()
		return 0
	})
	cfg := r.cfg()
	cfg.MaxAttempts, cfg.Timeout = 3, 200*time.Millisecond
	m := r.start(cfg)
	ids := map[*receiver]string{}
	for _, rc := range []*receiver{healthy, refuses, fails, hangs} {
		h, err := m.Add(webhook.Spec{URL: rc.url(), Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		ids[rc] = h.ID
	}
	seqs := r.publish(ev{"user.alice", "MessageNew"}, ev{"user.alice", "FlagsSet"}, ev{"user.bob", "MessageNew"})
	healthy.waitFor(seqs)
	for _, rc := range []*receiver{refuses, fails, hangs} {
		id := ids[rc]
		testkit.CheckFor(t, 30*time.Second, func() error {
			dead, err := m.DeadLetters(id)
			if err != nil || len(dead) != len(seqs) {
				return fmt.Errorf("dead letters %v %v", len(dead), err)
			}
			return nil
		})
		dead, _ := m.DeadLetters(id)
		for i, d := range dead {
			if d.Seq != seqs[i] || d.Attempts != 3 || d.LastError == "" || len(d.Event) == 0 {
				t.Errorf("dead letter %d of %s: %+v", i, id, d)
			}
		}
		if _, _, attempts := rc.got(); attempts != 3*len(seqs) {
			t.Errorf("receiver %s saw %d attempts, want %d", id, attempts, 3*len(seqs))
		}
		// The counters move just after the dead letter is kept.
		testkit.CheckFor(t, 10*time.Second, func() error {
			for _, line := range []string{
				`chapar_webhook_dead_letters{webhook="` + id + `"} 3`,
				`chapar_webhook_deliveries_total{webhook="` + id + `",outcome="dead"} 3`,
				`chapar_webhook_deliveries_total{webhook="` + id + `",outcome="failed"} 6`,
			} {
				if !r.metric(line) {
					return fmt.Errorf("no %s", line)
				}
			}
			return nil
		})
	}
	if dead, _ := m.DeadLetters(ids[healthy]); len(dead) != 0 {
		t.Errorf("healthy webhook has dead letters: %+v", dead)
	}
	// A hanging receiver is being waited on again; Close must still
	// end every sender and its connections.
	more := r.publish(ev{"user.alice", "MessageNew"})
	healthy.waitFor(append(seqs, more...))
	m.Close()
	for rc, id := range ids {
		rc.srv.CloseClientConnections()
		rc.srv.Close()
		// The durable consumers outlive Close by design, and the NATS
		// server runs goroutines for each: remove them to compare.
		if err := r.bus.DeleteEventConsumer(context.Background(), pipeline.ConsumerWebhookPrefix+id); err != nil {
			t.Fatal(err)
		}
	}
	testkit.CheckFor(t, 30*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("%d goroutines, %d before the webhooks started:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		return nil
	})
}

// A receiver that is down for a while gets every event once it is back,
// in order; a server that stops and starts again resumes where its
// webhooks were; a deleted webhook gets nothing more.
func TestReceiverDownAndRestart(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var mu sync.Mutex
	down := true
	rc := newReceiver(t, func(*http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	m := r.start(r.cfg())
	h, err := m.Add(webhook.Spec{URL: rc.url(), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	seqs := r.publish(ev{"user.alice", "MessageNew"}, ev{"user.alice", "FlagsSet"})
	testkit.CheckFor(t, 30*time.Second, func() error {
		if _, _, n := rc.got(); n < 5 {
			return fmt.Errorf("%d attempts", n)
		}
		return nil
	})
	seqs = append(seqs, r.publish(ev{"user.bob", "MessageNew"})...)
	mu.Lock()
	down = false
	mu.Unlock()
	rc.waitFor(seqs)

	m.Close()
	seqs = append(seqs, r.publish(ev{"user.alice", "MessageExpunge"}, ev{"user.bob", "FlagsClear"})...)
	m = r.start(r.cfg())
	rc.waitFor(seqs)

	if err := m.Delete(h.ID); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(h.ID); !errors.Is(err, store.ErrNoWebhook) {
		t.Errorf("deleting twice: %v", err)
	}
	names, err := r.bus.EventConsumerNames(context.Background(), pipeline.ConsumerWebhookPrefix)
	if err != nil || len(names) != 0 || len(m.Running()) != 0 {
		t.Errorf("after delete: consumers %v (%v), running %v", names, err, m.Running())
	}
	r.publish(ev{"user.alice", "MessageNew"})
	// A webhook started now, from now on, sees the new event: the
	// deleted one has had its chance to get it, too.
	probe := newReceiver(t, nil)
	_, err = m.Add(webhook.Spec{URL: probe.url(), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	last := r.publish(ev{"user.alice", "FlagsSet"})
	probe.waitFor(last)
	if acc, _, _ := rc.got(); !slices.Equal(dedup(acc), seqs) {
		t.Errorf("deleted webhook received %v, want only %v", dedup(acc), seqs)
	}

}

// A webhook with batches gets JSON arrays of at most its batch size,
// signed, with each event's id, in stream order and filtered as one
// without; a receiver down for a while and a restart of the server lose
// nothing and reorder nothing.
func TestBatches(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var mu sync.Mutex
	down := false
	flaky := newReceiver(t, func(*http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	bob := newReceiver(t, nil)
	m := r.start(r.cfg())
	if _, err := m.Add(webhook.Spec{URL: flaky.url(), Secret: secret, Batch: 8}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Add(webhook.Spec{URL: bob.url(), Secret: secret, Batch: 5, Mailbox: "user.bob"}); err != nil {
		t.Fatal(err)
	}
	var evs []ev
	for i := range 300 {
		evs = append(evs, ev{[]string{"user.alice", "user.bob", "user.carol"}[i%3], []string{"MessageNew", "FlagsSet"}[i%2]})
	}
	seqs := r.publish(evs[:100]...)
	flaky.waitFor(seqs)

	// Down: the batch in flight is tried again, whole, until it is back.
	mu.Lock()
	down = true
	mu.Unlock()
	seqs = append(seqs, r.publish(evs[100:200]...)...)
	_, _, before := flaky.got()
	testkit.CheckFor(t, 30*time.Second, func() error {
		if _, _, n := flaky.got(); n < before+5 {
			return fmt.Errorf("%d attempts", n-before)
		}
		return nil
	})
	mu.Lock()
	down = false
	mu.Unlock()
	flaky.waitFor(seqs)

	// A restart resumes after the last batch acknowledged.
	m.Close()
	seqs = append(seqs, r.publish(evs[200:]...)...)
	r.start(r.cfg())
	flaky.waitFor(seqs)
	bob.waitFor(pick(seqs, evs, func(e ev) bool { return e.mailbox == "user.bob" }))

	for _, rc := range []*receiver{flaky, bob} {
		acc, _, _ := rc.got()
		if !slices.IsSorted(dedup(acc)) {
			t.Errorf("ids out of order: %v", acc)
		}
		rc.mu.Lock()
		batches, most := len(rc.batches), slices.Max(rc.batches)
		rc.mu.Unlock()
		if batches >= len(acc) || most > 8 {
			t.Errorf("%d POSTs for %d events, the largest of %d", batches, len(acc), most)
		}
	}
	if _, err := m.Add(webhook.Spec{URL: bob.url(), Secret: secret, Batch: webhook.MaxBatch + 1}); err == nil {
		t.Errorf("a batch over %d accepted", webhook.MaxBatch)
	}
}

// Bad input is refused with a reason, and nothing is stored.
func TestAddRefusesBadInput(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	m := r.start(r.cfg())
	for _, sp := range []webhook.Spec{
		{URL: "ftp://example.org/", Secret: secret},
		{URL: "not a url", Secret: secret},
		{URL: "http://example.org/", Secret: "too short"},
		{URL: "http://example.org/", Secret: secret, Events: []string{"chapar.>"}},
		{URL: "http://example.org/", Secret: secret, Mailbox: "a\x00b"},
	} {
		if _, err := m.Add(sp); err == nil {
			t.Errorf("%+v accepted", sp)
		}
	}
	if list, _ := m.List(); len(list) != 0 {
		t.Errorf("stored: %+v", list)
	}
}

// A webhook deleted while no server ran leaves its consumer behind; the
// next Start removes it and keeps the others'.
func TestStartRemovesConsumersOfDeletedWebhooks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	rc := newReceiver(t, nil)
	m := r.start(r.cfg())
	gone, err := m.Add(webhook.Spec{URL: rc.url(), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := m.Add(webhook.Spec{URL: rc.url(), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	// Both consumers are in use once an event has passed through each.
	seqs := r.publish(ev{"user.alice", "MessageNew"})
	testkit.CheckFor(t, 30*time.Second, func() error {
		if acc, _, _ := rc.got(); len(acc) != 2 {
			return fmt.Errorf("accepted %v, want %v twice", acc, seqs)
		}
		return nil
	})
	m.Close()
	if err := (webhook.Registry{Store: r.store}).Delete(gone.ID); err != nil {
		t.Fatal(err)
	}
	r.start(r.cfg())
	names, err := r.bus.EventConsumerNames(context.Background(), pipeline.ConsumerWebhookPrefix)
	if err != nil || !slices.Equal(names, []string{pipeline.ConsumerWebhookPrefix + kept.ID}) {
		t.Errorf("consumers after Start: %v (%v), want only %s's", names, err, kept.ID)
	}
}
