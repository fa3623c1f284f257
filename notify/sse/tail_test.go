package sse

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/notify"
	"chapar/pipeline"
	"chapar/pipeline/bustest"
	"chapar/store"
)

// countingLog is the real event log, counting the readers opened on it.
type countingLog struct {
	pipeline.EventLog
	readers atomic.Int64
}

func (c *countingLog) Replay(ctx context.Context, from uint64, fn func(pipeline.LoggedEvent) error) error {
	c.readers.Add(1)
	return c.EventLog.Replay(ctx, from, fn)
}

type sseEnv struct {
	st     *store.Store
	log    *countingLog
	url    string
	nextID atomic.Int64
}

func newSSEEnv(t *testing.T, recent int) *sseEnv {
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.AddUsers(t, st, "secret", "admin", "alice")
	bc := bustest.Start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&notify.Publisher{Store: st, Sink: bc, Log: testkit.Quiet()}).Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	env := &sseEnv{st: st, log: &countingLog{EventLog: bc}}
	h := NewHandler(Config{Store: st, Events: env.log, Admins: []string{"admin"}, Recent: recent, Log: testkit.Quiet(),
		Authenticate: func(user, pass string) (bool, error) { return pass == "secret", nil }})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Close(); srv.Close() })
	env.url = srv.URL
	return env
}

func (e *sseEnv) deliver(t *testing.T) {
	n := e.nextID.Add(1)
	_, err := e.st.Deliver(store.Delivery{Key: fmt.Sprintf("k%d", n), Mailbox: store.UserInbox("alice"),
		Message: store.NewMessage{Body: []byte("Subject: x\r\n\r\ny\r\n")}, Service: "lmtpd"})
	if err != nil {
		t.Fatal(err)
	}
}

// client opens /events as admin, from after lastID when it is not "".
func (e *sseEnv) client(t *testing.T, lastID string) (ids chan string) {
	req, _ := http.NewRequest("GET", e.url+"/events?types=MessageNew", nil)
	req.SetBasicAuth("admin", "secret")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET /events: %s", resp.Status)
	}
	t.Cleanup(func() { resp.Body.Close() })
	ids = make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				ids <- id
			}
		}
		close(ids)
	}()
	return ids
}

func take(t *testing.T, ids chan string, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case id, ok := <-ids:
			if !ok {
				t.Fatalf("stream ended after %v", got)
			}
			got = append(got, id)
		case <-timeout:
			t.Fatalf("%d of %d events: %v", len(got), n, got)
		}
	}
	return got
}

// Twenty clients share one reader of the stream; each gets every event
// once, in order. A client that resumes with a recent Last-Event-ID is
// served from the tail's memory, one from further back by a reader of its
// own; neither loses or repeats an event.
func TestClientsShareOneReader(t *testing.T) {
	t.Parallel()
	env := newSSEEnv(t, 3)
	var clients []chan string
	for range 20 {
		clients = append(clients, env.client(t, ""))
	}
	// Wait for the tail's reader to be in place: a first delivery seen.
	env.deliver(t)
	first := take(t, clients[0], 1)
	for _, c := range clients[1:] {
		if got := take(t, c, 1); got[0] != first[0] {
			t.Fatalf("first event %s, another client %s", first[0], got[0])
		}
	}
	for range 4 {
		env.deliver(t)
	}
	want := take(t, clients[0], 4)
	for i, c := range clients[1:] {
		if got := take(t, c, 4); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("client %d: %v, want %v", i+1, got, want)
		}
	}
	if n := env.log.readers.Load(); n != 1 {
		t.Errorf("20 clients opened %d readers of the stream, want 1", n)
	}

	// Resume after the third-newest: the ring (3 events) holds the rest.
	recent := env.client(t, want[1])
	if got := take(t, recent, 2); strings.Join(got, ",") != strings.Join(want[2:], ",") {
		t.Errorf("resumed from %s: %v, want %v", want[1], got, want[2:])
	}
	if n := env.log.readers.Load(); n != 1 {
		t.Errorf("a resume the ring covers opened a reader (%d in all)", n)
	}
	// Resume from the first event: older than the ring, read apart.
	old := env.client(t, first[0])
	if got := take(t, old, 4); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("resumed from %s: %v, want %v", first[0], got, want)
	}
	if n := env.log.readers.Load(); n != 2 {
		t.Errorf("a resume older than the ring: %d readers in all, want 2", n)
	}
	// Both then follow what comes next, once.
	env.deliver(t)
	next := take(t, recent, 1)
	if got := take(t, old, 1); got[0] != next[0] {
		t.Errorf("after resuming: %v and %v", got, next)
	}
	if n, _ := strconv.ParseUint(next[0], 10, 64); n == 0 {
		t.Errorf("event id %q", next[0])
	}
}

// The tail hands a stream only the events its viewer sees: bob's stream
// is not woken by alice's private mail, but is by mail to a mailbox of
// hers he may look up; her own stream, and an admin's, get both.
func TestTailHandsEachViewerItsOwn(t *testing.T) {
	t.Parallel()
	env := newSSEEnv(t, 16)
	testkit.AddUsers(t, env.st, "secret", "bob")
	h := NewHandler(Config{Store: env.st, Events: env.log, Admins: []string{"admin"}, Log: testkit.Quiet()})
	defer h.Close()
	sub := func(user string, admin bool) *subscriber {
		v := &viewer{user: user, admin: admin, actor: env.st.As(user, admin)}
		s, _, _ := h.tail.subscribe(v, 0)
		return s
	}
	alice, bob, admin := sub("alice", false), sub("bob", false), sub("admin", true)
	mailboxOf := func(frame []byte) string {
		t.Helper()
		_, data, _ := strings.Cut(string(frame), "\ndata: ")
		var a about
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			t.Fatalf("frame %q: %v", frame, err)
		}
		return a.Mailbox
	}
	// newMail collects the MessageNew frames handed to s (the ACL change
	// below is an event too) until want have come or wait has passed,
	// then whatever follows within quiet: what is counted is what came,
	// not what a slow machine had yet to send.
	newMail := func(s *subscriber, want int, wait, quiet time.Duration) []string {
		t.Helper()
		var got []string
		deadline := time.After(wait)
		for len(got) < want {
			select {
			case f := <-s.c:
				if strings.Contains(string(f), "\nevent: MessageNew\n") {
					got = append(got, mailboxOf(f))
				}
			case <-deadline:
				return got
			}
		}
		for {
			select {
			case f := <-s.c:
				if strings.Contains(string(f), "\nevent: MessageNew\n") {
					got = append(got, mailboxOf(f))
				}
			case <-time.After(quiet):
				return got
			}
		}
	}
	// Until the tail reads the stream, deliveries go unseen: deliver until
	// alice's stream has one, then let every stream settle.
	for tries := 0; ; tries++ {
		if tries == 10 {
			t.Fatal("the tail hands alice nothing")
		}
		env.deliver(t)
		if len(newMail(alice, 1, time.Second, time.Second)) > 0 {
			break
		}
	}
	newMail(admin, 0, 0, time.Second)
	if got := newMail(bob, 0, 0, time.Second); len(got) != 0 {
		t.Errorf("bob was handed alice's private mail: %v", got)
	}
	if _, err := env.st.SetACL(store.UserInbox("alice"), "bob", "lr"); err != nil {
		t.Fatal(err)
	}
	env.deliver(t)
	for name, s := range map[string]*subscriber{"bob, after alice shared her INBOX,": bob, "alice": alice, "admin": admin} {
		if got := newMail(s, 1, 10*time.Second, 300*time.Millisecond); len(got) != 1 || got[0] != store.UserInbox("alice") {
			t.Errorf("%s got %v, want the second delivery", name, got)
		}
	}
}
