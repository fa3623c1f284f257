package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/notify"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/store"

	"github.com/nats-io/nats.go/jetstream"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// world is a real store and the real embedded JetStream.
type world struct {
	store *store.Store
	bus   *bus.Conn
}

func start(t *testing.T) *world {
	t.Helper()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	return &world{store: s, bus: bustest.Start(t, quiet())}
}

// publish runs the outbox publisher until the test ends, with Cyrus's
// default event_* options, or opts.
func (w *world) publish(t *testing.T, opts ...notify.EventOptions) {
	var events *notify.EventOptions
	if len(opts) > 0 {
		events = &opts[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		(&notify.Publisher{Store: w.store, Sink: w.bus, Log: quiet(), Events: events}).Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// cyrusEvent is the part of an event's JSON the tests read.
type cyrusEvent struct {
	Type      store.EventType `json:"event"`
	ModSeq    uint64          `json:"modseq"`
	URI       string          `json:"uri"`
	UIDSet    string          `json:"uidset"`
	FlagNames *string         `json:"flagNames"`
	Timestamp string          `json:"timestamp"`
	User      string          `json:"user"`
	Mailbox   string          `json:"mailbox"`
	MailboxID string          `json:"mailboxID"`
	Raw       map[string]any  `json:"-"`
}

// eventsInStream reads a mailbox's events from the events stream, in
// stream order, until it has n of them.
func (w *world) eventsInStream(t *testing.T, mailboxID string, n int) []cyrusEvent {
	t.Helper()
	ctx := context.Background()
	cons, err := w.bus.JetStream().OrderedConsumer(ctx, pipeline.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{pipeline.EventWildcard(mailboxID)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var evs []cyrusEvent
	for len(evs) < n {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Minute))
		if err != nil {
			t.Fatalf("after %d of %d events: %v", len(evs), n, err)
		}
		var ev cyrusEvent
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(m.Data(), &ev.Raw); err != nil {
			t.Fatal(err)
		}
		if want := pipeline.EventSubject(mailboxID, string(ev.Type)); m.Subject() != want {
			t.Errorf("event on %s, want %s", m.Subject(), want)
		}
		evs = append(evs, ev)
	}
	return evs
}

func deliver(t *testing.T, s *store.Store, mailbox, key string) {
	t.Helper()
	if _, err := s.Deliver(store.Delivery{Key: key, Mailbox: mailbox, Service: "lmtpd",
		Message: store.NewMessage{Body: []byte("Subject: " + key + "\r\n\r\nhi\r\n")}}); err != nil {
		t.Fatal(err)
	}
}

func TestPublisherCarriesEveryCommittedEventInOrder(t *testing.T) {
	t.Parallel()
	w := start(t)
	inbox, err := w.store.CreateMailbox("user.alice", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Committed while no publisher runs, as after a crash: kept in the
	// outbox and published once one starts.
	deliver(t, w.store, inbox.Name, "j1/0")
	w.publish(t, notify.EventOptions{Groups: []string{"message", "mailbox", "flags"}, ExtraParams: []string{"modseq"}, ServerName: "mx.test"})
	deliver(t, w.store, inbox.Name, "j2/0")
	if _, err := w.store.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{store.FlagSeen}}); err != nil {
		t.Fatal(err)
	}

	evs := w.eventsInStream(t, inbox.UniqueID, 4)
	var types []store.EventType
	var last uint64
	for _, ev := range evs {
		types = append(types, ev.Type)
		if ev.Type != store.MailboxCreate {
			if ev.ModSeq <= last {
				t.Errorf("%s with modseq %d after %d", ev.Type, ev.ModSeq, last)
			}
			last = ev.ModSeq
		}
	}
	want := []store.EventType{store.MailboxCreate, store.MessageNew, store.MessageNew, store.MessageRead}
	if !slices.Equal(types, want) {
		t.Errorf("events in the stream %v, want %v", types, want)
	}

	// Published events leave the outbox.
	testkit.CheckFor(t, time.Minute, func() error {
		pending, err := w.store.PendingEvents(100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) > 0 {
			return fmt.Errorf("%d events still in the outbox after they were published", len(pending))
		}
		return nil
	})
}

func TestHubWakesTheWatchersOfAMailbox(t *testing.T) {
	t.Parallel()
	w := start(t)
	inbox, err := w.store.CreateMailbox("user.alice", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.store.CreateMailbox("user.bob", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := notify.NewHub(w.bus, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	watch := hub.Watch(inbox.UniqueID)
	defer watch.Close()
	bobs := hub.Watch(other.UniqueID)
	w.publish(t)

	deliver(t, w.store, inbox.Name, "j1/0")
	var got []store.EventType
	timeout := time.After(time.Minute)
	for !slices.Contains(got, store.MessageNew) {
		select {
		case <-watch.C():
			got = append(got, watch.Take()...)
		case <-timeout:
			t.Fatalf("IDLE was not woken by the delivery; kinds of change so far %v", got)
		}
	}
	// bob's watcher heard nothing of alice's delivery (bob's own
	// MailboxCreate at most).
	for _, kind := range bobs.Take() {
		if kind != store.MailboxCreate {
			t.Errorf("bob's watch woke for %s", kind)
		}
	}
	bobs.Close()
	if kinds := watch.Take(); len(kinds) != 0 {
		t.Errorf("Take after Take returned %v", kinds)
	}
}
