package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/notify/webhook"
)

const hookSecret = "a-webhook-secret-of-32-bytes...."

// hookReceiver is an integrator's endpoint on a fixed loopback port that
// can go down (connections refused) and come back.
type hookReceiver struct {
	t    *testing.T
	addr string

	mu   sync.Mutex
	srv  *http.Server
	got  map[uint64]string // event id → the event's type, de-duplicated
	n    int               // POSTs accepted, repeats included
	bad  []string
	last uint64 // the highest id accepted, for the order check
}

func startHookReceiver(t *testing.T) *hookReceiver {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &hookReceiver{t: t, addr: l.Addr().String(), got: map[uint64]string{}}
	rc.serve(l)
	t.Cleanup(rc.down)
	return rc
}

func (rc *hookReceiver) serve(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(rc.handle)}
	rc.mu.Lock()
	rc.srv = srv
	rc.mu.Unlock()
	go srv.Serve(l)
}

// down refuses connections until up.
func (rc *hookReceiver) down() {
	rc.mu.Lock()
	srv := rc.srv
	rc.srv = nil
	rc.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (rc *hookReceiver) up() {
	rc.t.Helper()
	var l net.Listener
	err := testkit.Poll(10*time.Second, func() (err error) {
		l, err = net.Listen("tcp", rc.addr)
		return err
	})
	if err != nil {
		rc.t.Fatalf("receiver back on %s: %v", rc.addr, err)
	}
	rc.serve(l)
}

func (rc *hookReceiver) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	id, ierr := strconv.ParseUint(r.Header.Get(webhook.HeaderEventID), 10, 64)
	// One event, or a batch: a JSON array of them with their ids.
	type element struct {
		ID   uint64 `json:"id"`
		Type string `json:"type"`
	}
	events := []element{{id, r.Header.Get(webhook.HeaderEvent)}}
	var berr error
	if r.Header.Get(webhook.HeaderBatch) != "" {
		events = nil
		if berr = json.Unmarshal(body, &events); berr == nil && (len(events) == 0 || events[len(events)-1].ID != id) {
			berr = fmt.Errorf("batch of %d, header id %d", len(events), id)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	switch {
	case err != nil || ierr != nil || berr != nil:
		rc.bad = append(rc.bad, fmt.Sprintf("read %v, id %v, batch %v", err, ierr, berr))
	case !webhook.Verify([]byte(hookSecret), body, r.Header.Get(webhook.HeaderSignature)):
		rc.bad = append(rc.bad, "bad signature: "+string(body))
	default:
		rc.n++
		for _, e := range events {
			if e.ID < rc.last && rc.got[e.ID] == "" {
				// One event (or batch) in flight per webhook: a new id
				// never comes after a later one. A repeat
				// (at-least-once) may.
				rc.bad = append(rc.bad, fmt.Sprintf("event %d after %d", e.ID, rc.last))
			}
			rc.got[e.ID] = e.Type
			rc.last = max(rc.last, e.ID)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *hookReceiver) snapshot() (map[uint64]string, int, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := make(map[uint64]string, len(rc.got))
	for k, v := range rc.got {
		got[k] = v
	}
	return got, rc.n, slices.Clone(rc.bad)
}

// TestWebhookDeliversEveryEventAcrossKillAndOutage: a webhook added with
// the CLI receives every event of a mixed workload (LMTP deliveries, IMAP
// flag changes and expunges) exactly once after de-duplication by event
// id, each signed, in order, although its receiver was down for a while
// and the server was killed with SIGKILL in between. The events the
// server published are read back over SSE to compare.
func TestWebhookDeliversEveryEventAcrossKillAndOutage(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "admins: admin", "webhook_timeout: 2", "webhook_min_backoff: 1",
		"webhook_max_backoff: 1", "webhook_max_attempts: 1000",
		"event_groups: message mailbox flags") // the flag changes are part of the workload
	in.start()
	all := startHookReceiver(t)
	bobNew := startHookReceiver(t)
	batched := startHookReceiver(t)
	// A webhook gets the events from its creation on: every event here.
	out := in.mustChapar(hookSecret+"\n", "webhook", "add", "http://"+all.addr+"/hook", "--secret-stdin")
	if !strings.HasPrefix(out, "webhook ") || !strings.HasSuffix(out, " added\n") {
		t.Fatalf("webhook add said %q", out)
	}
	in.mustChapar(hookSecret+"\n", "webhook", "add", "http://"+bobNew.addr+"/bob", "--events", "MessageNew",
		"--mailbox", "user.bob*", "--secret-stdin")
	in.mustChapar(hookSecret+"\n", "webhook", "add", "http://"+batched.addr+"/batch", "--batch", "16", "--secret-stdin")
	for _, u := range []string{"admin", "alice", "bob"} {
		in.addUser(u)
	}

	bobMessages := 0
	workload := func(round int) {
		t.Helper()
		for i := range 4 {
			rcpt := []string{"alice@example.com", "bob@example.com"}[i%2]
			res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{rcpt},
				fmt.Sprintf("Subject: round %d message %d\r\n\r\nbody\r\n", round, i))
			if err != nil || res[rcpt] != nil {
				t.Fatalf("LMTP: %v %v", err, res)
			}
			if i%2 == 1 {
				bobMessages++
			}
		}
		c, err := dialIMAPLogin(in, "alice")
		if err != nil {
			t.Fatal(err)
		}
		defer c.close()
		for _, cmd := range []string{"SELECT INBOX", `STORE 1:* +FLAGS (\Seen)`, `STORE 1 +FLAGS (\Flagged \Deleted)`,
			`STORE 1 -FLAGS (\Seen)`, "EXPUNGE"} {
			if err := c.cmd(cmd); err != nil {
				t.Fatalf("round %d: %s: %v", round, cmd, err)
			}
		}
	}
	workload(1)
	// The receiver goes away; events wait for it.
	all.down()
	workload(2)
	testkit.CheckFor(t, 30*time.Second, func() error {
		if !strings.Contains(in.log(), "webhook delivery failed; will retry") {
			return errors.New("no failed delivery logged yet")
		}
		return nil
	})
	in.kill()
	in.start()
	workload(3)
	all.up()
	workload(4)
	in.mustChapar("", "mailbox", "create", "user/alice/Marker")

	// Every event the server published, from the stream's start to the
	// marker's MailboxCreate.
	_, events := sseOpen(t, in, "admin", "secret", "", "0")
	published := map[uint64]string{}
	for {
		var e sseEvent
		select {
		case e = <-events:
		case <-time.After(30 * time.Second):
			t.Fatalf("no marker among the %d events read over SSE", len(published))
		}
		id, _ := strconv.ParseUint(e.id, 10, 64)
		published[id] = e.event
		if e.event == "MailboxCreate" && strings.Contains(e.data, "Marker") {
			break
		}
	}
	for _, rc := range []*hookReceiver{all, batched} {
		testkit.CheckFor(t, 60*time.Second, func() error {
			got, _, bad := rc.snapshot()
			if len(bad) > 0 {
				return fmt.Errorf("receiver %s saw bad requests: %v", rc.addr, bad)
			}
			for id, typ := range published {
				if got[id] != typ {
					return fmt.Errorf("receiver %s: event %d (%s): received %q", rc.addr, id, typ, got[id])
				}
			}
			if len(got) != len(published) {
				return fmt.Errorf("receiver %s: received %d events, %d published", rc.addr, len(got), len(published))
			}
			return nil
		})
	}
	if got, posts, _ := batched.snapshot(); posts >= len(got) {
		t.Errorf("the webhook with batches made %d POSTs for %d events", posts, len(got))
	}
	got, posts, _ := all.snapshot()
	kinds := map[string]int{}
	for _, typ := range got {
		kinds[typ]++
	}
	for _, typ := range []string{"MessageNew", "FlagsSet", "FlagsClear", "MessageExpunge", "MailboxCreate"} {
		if kinds[typ] == 0 {
			t.Errorf("no %s among %v", typ, kinds)
		}
	}
	t.Logf("%d events, %d POSTs accepted (repeats after the kill included): %v", len(got), posts, kinds)

	// /metrics counts the webhook's deliveries since the restart, and no
	// dead letter.
	id := strings.Fields(out)[1]
	resp, err := http.Get("http://" + in.httpAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	delivered := regexp.MustCompile(`(?m)^chapar_webhook_deliveries_total\{webhook="` + id + `",outcome="delivered"\} ([1-9][0-9]*)$`)
	if !delivered.Match(metrics) || !strings.Contains(string(metrics), `chapar_webhook_dead_letters{webhook="`+id+`"} 0`+"\n") {
		t.Errorf("/metrics lacks the webhook's deliveries or dead letters:\n%s", metrics)
	}

	testkit.CheckFor(t, 30*time.Second, func() error {
		got, _, bad := bobNew.snapshot()
		if len(bad) > 0 {
			return fmt.Errorf("bob's receiver: %v", bad)
		}
		if len(got) != bobMessages {
			return fmt.Errorf("bob's receiver has %d events, %d messages were delivered to bob", len(got), bobMessages)
		}
		for id, typ := range got {
			if typ != "MessageNew" || !strings.Contains(published[id], "MessageNew") {
				return fmt.Errorf("bob's receiver got %d %s", id, typ)
			}
		}
		return nil
	})
}

// TestWebhookCommands: the CLI's errors are clear, list never shows a
// secret, and the commands work with and without a running server.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{hookSecret, []string{"webhook", "add", "ftp://example.org/", "--secret-stdin"}, "only http and https"},
		{"short", []string{"webhook", "add", "https://example.org/", "--secret-stdin"}, "at least 16"},
		{"", []string{"webhook", "add", "https://example.org/"}, "--secret-stdin"},
		{hookSecret, []string{"webhook", "add", "https://example.org/", "--events", "Message.New", "--secret-stdin"}, "no event type"},
		{"", []string{"webhook", "delete", "nosuch"}, "does not exist"},
		{"", []string{"webhook", "dead", "nosuch"}, "does not exist"},
		{"", []string{"webhook", "list", "--events", "MessageNew"}, "flags of webhook add"},
		{"", []string{"webhook", "frob"}, "unknown subcommand"},
		{hookSecret, []string{"webhook", "add", "https://example.org/", "--batch", "1001", "--secret-stdin"}, "1 to 1000 events"},
		{"", []string{"webhook", "list", "--batch", "5"}, "flags of webhook add"},
	} {
		out, err := in.chapar(c.stdin+"\n", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("chapar %v: %q, %v; want an error with %q", c.args, out, err, c.want)
		}
	}
	// Without a server, on the store.
	out := in.mustChapar(hookSecret+"\n", "webhook", "add", "https://example.org/in", "--events", "MessageNew,FlagsSet", "--batch", "50", "--secret-stdin")
	id := strings.Fields(out)[1]
	in.start()
	defer in.stop()
	list := in.mustChapar("", "webhook", "list")
	if !strings.Contains(list, id) || !strings.Contains(list, "MessageNew,FlagsSet") || !regexp.MustCompile(`\s50\s`).MatchString(list) ||
		strings.Contains(list, hookSecret) {
		t.Errorf("webhook list:\n%s", list)
	}
	if js := in.mustChapar("", "webhook", "list", "--json"); strings.Contains(js, hookSecret) || !strings.Contains(js, `"id":"`+id+`"`) || !strings.Contains(js, `"batch":50`) {
		t.Errorf("webhook list --json: %s", js)
	}
	if dead := in.mustChapar("", "webhook", "dead", id); !strings.HasPrefix(dead, "EVENT-ID") {
		t.Errorf("webhook dead: %q", dead)
	}
	in.mustChapar("", "webhook", "delete", id)
	if list := in.mustChapar("", "webhook", "list", "--json"); strings.TrimSpace(list) != "[]" {
		t.Errorf("after delete: %s", list)
	}
}

// TestWebhookDeadLetters: receivers that answer 503 or hang get their
// attempts; then `chapar webhook dead` lists the event, and a healthy
// webhook beside them got it at once.
func TestWebhookDeadLetters(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "webhook_timeout: 1", "webhook_min_backoff: 1", "webhook_max_backoff: 1", "webhook_max_attempts: 2")
	in.start()
	defer in.stop()
	in.addUser("alice")
	var mu sync.Mutex
	attempts := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read whole, so that the server notices when chapar gives up
		// and hangs up (r.Context ends).
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		attempts[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/fails":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/hangs":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	ids := map[string]string{}
	for _, path := range []string{"/fails", "/hangs", "/ok"} {
		out := in.mustChapar(hookSecret+"\n", "webhook", "add", srv.URL+path, "--events", "MessageNew", "--secret-stdin")
		ids[path] = strings.Fields(out)[1]
	}
	res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, "Subject: hi\r\n\r\nbody\r\n")
	if err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	for _, path := range []string{"/fails", "/hangs"} {
		testkit.CheckFor(t, 30*time.Second, func() error {
			out, err := in.chapar("", "webhook", "dead", ids[path])
			if err != nil {
				return err
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 || !strings.Contains(lines[1], "MessageNew") || strings.Fields(lines[1])[2] != "2" {
				return fmt.Errorf("webhook dead %s:\n%s", path, out)
			}
			return nil
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts["/fails"] != 2 || attempts["/hangs"] != 2 || attempts["/ok"] != 1 {
		t.Errorf("attempts %v, want 2 for each failing receiver and 1 for the healthy one", attempts)
	}
}
