package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/pipeline/embedded"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A durable event consumer gets the events of its types in stream order,
// one at a time; an event its reader fails comes again first on the next
// run; a deleted consumer is gone from the list.
func TestDurableEventConsumer(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	ctx := context.Background()
	var msgs []pipeline.EventMessage
	for i, kind := range []string{"MessageNew", "FlagsSet", "MessageNew", "MessageExpunge", "MessageNew"} {
		id := string(rune('a' + i))
		msgs = append(msgs, pipeline.EventMessage{ID: id, MailboxID: "mb" + id, Type: kind, Data: []byte(`{"n":"` + id + `"}`)})
	}
	if acked, err := c.PublishOrdered(ctx, msgs); acked != len(msgs) || err != nil {
		t.Fatalf("publish: %d, %v", acked, err)
	}
	ec := pipeline.EventConsumer{Name: "test-reader", Types: []string{"MessageNew", "MessageExpunge"},
		Since: time.Now().Add(-time.Hour), AckWait: time.Second}

	// The first run fails the third event it sees.
	var seen []uint64
	failed := errors.New("receiver down")
	err := c.ConsumeEvents(ctx, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		if len(evs) != 1 {
			t.Errorf("a batch of %d events without Batch", len(evs))
		}
		if len(seen) == 2 {
			return failed
		}
		seen = append(seen, evs[0].Seq)
		return nil
	})
	if !errors.Is(err, failed) {
		t.Fatalf("first run ended with %v, want the reader's error", err)
	}
	// The second run starts with that event and sees the rest.
	run, cancel := context.WithCancel(ctx)
	var types []string
	err = c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		e := evs[0]
		seen = append(seen, e.Seq)
		types = append(types, e.Type)
		if len(seen) == 4 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if want := []uint64{1, 3, 4, 5}; !slices.Equal(seen, want) {
		t.Errorf("sequences %v, want %v", seen, want)
	}
	if want := []string{"MessageExpunge", "MessageNew"}; !slices.Equal(types, want) {
		t.Errorf("second run's types %v, want %v", types, want)
	}
	names, err := c.EventConsumerNames(ctx, "test-")
	if err != nil || !slices.Equal(names, []string{"test-reader"}) {
		t.Fatalf("names: %v %v", names, err)
	}
	if err := c.DeleteEventConsumer(ctx, "test-reader"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEventConsumer(ctx, "test-reader"); err != nil {
		t.Errorf("deleting a consumer that is gone: %v", err)
	}
	if names, err := c.EventConsumerNames(ctx, "test-"); err != nil || len(names) != 0 {
		t.Errorf("after delete: %v %v", names, err)
	}
}

// A consumer with a Batch hands out the events at hand together, never
// more than Batch, in stream order; a failed batch comes again whole and
// first, and nothing after it comes before it.
func TestEventConsumerBatches(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	ctx := context.Background()
	var msgs []pipeline.EventMessage
	for i := range 10 {
		id := strconv.Itoa(i)
		msgs = append(msgs, pipeline.EventMessage{ID: id, MailboxID: "mb", Type: "MessageNew", Data: []byte(`{"n":` + id + `}`)})
	}
	if acked, err := c.PublishOrdered(ctx, msgs); acked != len(msgs) || err != nil {
		t.Fatalf("publish: %d, %v", acked, err)
	}
	ec := pipeline.EventConsumer{Name: "test-batches", Since: time.Now().Add(-time.Hour), AckWait: time.Second, Batch: 4}

	// The first run takes one batch and fails the second.
	var first [][]uint64
	failed := errors.New("receiver down")
	err := c.ConsumeEvents(ctx, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		first = append(first, seqs(evs))
		if len(first) == 2 {
			return failed
		}
		return nil
	})
	if !errors.Is(err, failed) {
		t.Fatalf("first run ended with %v, want the reader's error", err)
	}
	// Batches are what was at hand when the last was acknowledged, so
	// their sizes vary; their order may not.
	if len(first) != 2 || len(first[0]) == 0 || len(first[1]) == 0 || len(first[0]) > 4 || len(first[1]) > 4 ||
		!slices.Equal(slices.Concat(first...), seqRange(1, uint64(len(first[0])+len(first[1])))) {
		t.Fatalf("first run's batches %v, want two of 1 to 4 events from 1 on", first)
	}
	failedFrom := first[1][0]

	// The second run starts with the failed batch and goes on in order.
	run, cancel := context.WithCancel(ctx)
	var all []uint64
	err = c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		if len(evs) > 4 {
			t.Errorf("a batch of %d, more than 4", len(evs))
		}
		all = append(all, seqs(evs)...)
		if all[len(all)-1] >= 10 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if want := seqRange(failedFrom, 10); !slices.Equal(all, want) {
		t.Errorf("second run saw %v, want %v (first run %v)", all, want, first)
	}
}

func seqs(evs []pipeline.LoggedEvent) []uint64 {
	out := make([]uint64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// A run that dies holding a batch (its connection gone, nothing given
// back: a crash) leaves the batch pending on the server. The next run
// must get that batch before any later event, though the server would
// hand later ones out at once while fewer than a batch are pending.
func TestEventConsumerOrderAfterACrashedRun(t *testing.T) {
	t.Parallel()
	srv, err := embedded.Start(embedded.Config{StoreDir: t.TempDir(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	connect := func() *bus.Conn {
		c, err := bus.Connect(context.Background(), bus.Config{InProcess: srv, Log: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	publish := func(c *bus.Conn, from, to int) {
		var msgs []pipeline.EventMessage
		for i := from; i <= to; i++ {
			id := strconv.Itoa(i)
			msgs = append(msgs, pipeline.EventMessage{ID: id, MailboxID: "mb", Type: "MessageNew", Data: []byte(`{"n":` + id + `}`)})
		}
		if acked, err := c.PublishOrdered(context.Background(), msgs); acked != len(msgs) || err != nil {
			t.Fatalf("publish: %d, %v", acked, err)
		}
	}
	ec := pipeline.EventConsumer{Name: "test-crash", Since: time.Now().Add(-time.Hour), AckWait: time.Second, Batch: 8}

	doomed := connect()
	publish(doomed, 1, 2)
	var held []uint64
	doomed.ConsumeEvents(context.Background(), ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		held = seqs(evs)
		doomed.Close() // the process dies with the batch in hand
		return errors.New("killed")
	})
	if !slices.Equal(held, []uint64{1, 2}) {
		t.Fatalf("the run that died held %v, want [1 2]", held)
	}

	c := connect()
	t.Cleanup(c.Close)
	publish(c, 3, 6)
	run, cancel := context.WithCancel(context.Background())
	var all []uint64
	err = c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		all = append(all, seqs(evs)...)
		if len(all) >= 6 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if want := seqRange(1, 6); !slices.Equal(all, want) {
		t.Errorf("after the crash the reader saw %v, want %v", all, want)
	}
}

// eventIDs numbers the events publishEvents makes: the stream drops an
// event whose ID it has seen.
var eventIDs atomic.Int64

// publishEvents publishes one event per type, in order, on mailbox "mb".
func publishEvents(t *testing.T, c *bus.Conn, types ...string) {
	t.Helper()
	var msgs []pipeline.EventMessage
	for _, kind := range types {
		id := strconv.FormatInt(eventIDs.Add(1), 10)
		msgs = append(msgs, pipeline.EventMessage{ID: id, MailboxID: "mb", Type: kind, Data: []byte(`{"n":` + id + `}`)})
	}
	if acked, err := c.PublishOrdered(context.Background(), msgs); acked != len(msgs) || err != nil {
		t.Fatalf("publish: %d, %v", acked, err)
	}
}

// ackReplies returns a count of the replies of each kind (+ACK, -NAK,
// +WPI, +TERM) sent on this connection's events consumers so far, which
// is what ConsumeEvents costs the server besides the events themselves.
func ackReplies(t *testing.T, c *bus.Conn) func() map[string]int {
	t.Helper()
	ch := make(chan *nats.Msg, 1024)
	sub, err := c.NATS().ChanSubscribe("$JS.ACK."+pipeline.StreamEvents+".>", ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	seen := map[string]int{}
	return func() map[string]int {
		t.Helper()
		// The replies go out on this connection before the flush's ping,
		// so the server passes them back before its pong, and the
		// connection has put them in ch by the time Flush returns.
		if err := c.NATS().Flush(); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case m := <-ch:
				seen[string(m.Data)]++
			default:
				return maps.Clone(seen)
			}
		}
	}
}

// settled waits until the consumer has nothing pending and its ack floor
// is the stream sequence floor, and returns its info.
func settled(t *testing.T, c *bus.Conn, name string, floor uint64) *jetstream.ConsumerInfo {
	t.Helper()
	var info *jetstream.ConsumerInfo
	testkit.CheckFor(t, 5*time.Second, func() error {
		cons, err := c.JetStream().Consumer(context.Background(), pipeline.StreamEvents, name)
		if err != nil {
			return err
		}
		info = cons.CachedInfo()
		if info.AckFloor.Stream != floor || info.NumAckPending != 0 {
			return fmt.Errorf("ack floor %d with %d pending, want %d with none", info.AckFloor.Stream, info.NumAckPending, floor)
		}
		return nil
	})
	return info
}

// A batch the reader settled is acknowledged with one ack, of its last
// event, which settles every event of it on the server.
func TestEventConsumerSettlesABatchWithOneAck(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	const n = 10
	publishEvents(t, c, slices.Repeat([]string{"MessageNew"}, n)...)
	replies := ackReplies(t, c)
	ec := pipeline.EventConsumer{Name: "test-oneack", Since: time.Now().Add(-time.Hour), Batch: n}

	batches := readAll(t, c, ec, n, nil)
	if len(batches) == n {
		t.Fatalf("batches %v: all of one event, so one ack per batch is one per event", batches)
	}
	info := settled(t, c, ec.Name, n)
	if info.Config.AckPolicy != jetstream.AckAllPolicy {
		t.Errorf("ack policy %v, want %v", info.Config.AckPolicy, jetstream.AckAllPolicy)
	}
	if got, want := replies(), map[string]int{"+ACK": len(batches)}; !maps.Equal(got, want) {
		t.Errorf("replies %v for batches %v, want %v", got, batches, want)
	}
}

// A message on the events stream that is no event is never handed to the
// reader, and is settled with the batch it came in, not before: under
// AckAll, settling it on its own would settle the events before it too,
// lost if the reader then failed them. Alone, it is settled at once.
func TestEventConsumerSettlesWhatIsNoEventWithItsBatch(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	ctx := context.Background()
	stray := func() {
		t.Helper()
		if _, err := c.JetStream().Publish(ctx, pipeline.SubjectEventPrefix+"stray", []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	publishEvents(t, c, "MessageNew") // 1
	stray()                           // 2
	publishEvents(t, c, "MessageNew") // 3
	ec := pipeline.EventConsumer{Name: "test-stray", Since: time.Now().Add(-time.Hour), AckWait: time.Second, Batch: 4}

	// The three come together; the reader fails the batch.
	failed := errors.New("receiver down")
	var first [][]uint64
	err := c.ConsumeEvents(ctx, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		first = append(first, seqs(evs))
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("first run ended with %v, want the reader's error", err)
	}
	if len(first) != 1 || !slices.Equal(first[0], []uint64{1, 3}) {
		t.Fatalf("first run saw %v, want one batch [1 3]", first)
	}

	// Both events come again.
	run, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var second []uint64
	err = c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		second = append(second, seqs(evs)...)
		if second[len(second)-1] >= 3 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !slices.Equal(second, []uint64{1, 3}) {
		t.Fatalf("after the failed batch the reader saw %v, want [1 3]", second)
	}

	// A stray with no event after it is settled by itself; the next
	// event still comes.
	stray() // 4
	run, cancel = context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var third []uint64
	done := make(chan error, 1)
	go func() {
		done <- c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
			third = append(third, seqs(evs)...)
			cancel()
			return nil
		})
	}()
	settled(t, c, ec.Name, 4)
	publishEvents(t, c, "MessageNew") // 5
	if err := <-done; err != nil {
		t.Fatalf("third run: %v", err)
	}
	if !slices.Equal(third, []uint64{5}) {
		t.Errorf("third run saw %v, want [5]", third)
	}
}

// syncBuffer is a log destination the server's goroutines and the test
// share.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A consumer an older chapar made acknowledges event by event
// (AckExplicit), and JetStream will not change an ack policy. The reader
// takes it over from its ack floor: every event after the floor comes, in
// order, those already acknowledged above it again, and the consumer,
// made again under its name with its filter, acknowledges all from then
// on, across restarts.
func TestEventConsumerTakesOverAnAckExplicitConsumer(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	c := bustest.Start(t, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx := context.Background()
	js := c.JetStream()
	publishEvents(t, c, "MessageNew") // 1: before the consumer, never its
	ec := pipeline.EventConsumer{Name: "webhook-old", Types: []string{"MessageNew"}, Batch: 4}
	// What eventConsumerConfig made before AckAll.
	filter := pipeline.EventSubject("*", "MessageNew")
	old, err := js.CreateConsumer(ctx, pipeline.StreamEvents, jetstream.ConsumerConfig{
		Durable: ec.Name, Description: "chapar event reader", AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 30 * time.Second, MaxAckPending: 8, MaxDeliver: -1, DeliverPolicy: jetstream.DeliverNewPolicy,
		FilterSubject: filter,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2..11; 6 and 9 are of a type the consumer filters out.
	publishEvents(t, c, "MessageNew", "MessageNew", "MessageNew", "MessageNew", "FlagsSet",
		"MessageNew", "MessageNew", "FlagsSet", "MessageNew", "MessageNew")

	// The old reader took 2, 3, 4, 5 and 7, and acknowledged 2, 3 and 5:
	// its ack floor is 3.
	batch, err := old.Fetch(5, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var taken []uint64
	for m := range batch.Messages() {
		md, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, md.Sequence.Stream)
		if s := md.Sequence.Stream; s == 2 || s == 3 || s == 5 {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !slices.Equal(taken, []uint64{2, 3, 4, 5, 7}) {
		t.Fatalf("the old reader took %v, want [2 3 4 5 7]", taken)
	}
	if info, err := old.Info(ctx); err != nil || info.AckFloor.Stream != 3 || info.NumAckPending != 2 {
		t.Fatalf("old consumer before the takeover: %+v, %v; want ack floor 3 with 2 pending", info, err)
	}

	consume := func(until uint64) []uint64 {
		t.Helper()
		run, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var got []uint64
		err := c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
			got = append(got, seqs(evs)...)
			if got[len(got)-1] >= until {
				cancel()
			}
			return nil
		})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		return got
	}
	if got, want := consume(11), []uint64{4, 5, 7, 8, 10, 11}; !slices.Equal(got, want) {
		t.Errorf("the reader that took over saw %v, want %v", got, want)
	}
	info := settled(t, c, ec.Name, 11)
	if info.Config.AckPolicy != jetstream.AckAllPolicy || info.Config.FilterSubject != filter || info.Config.MaxAckPending != ec.Batch {
		t.Errorf("consumer taken over: ack policy %v, filter %q, max ack pending %d; want %v, %q, %d",
			info.Config.AckPolicy, info.Config.FilterSubject, info.Config.MaxAckPending, jetstream.AckAllPolicy, filter, ec.Batch)
	}

	// Started again, the reader goes on from there, and there is nothing
	// more to take over.
	publishEvents(t, c, "FlagsSet", "MessageNew") // 12, 13
	if got, want := consume(13), []uint64{13}; !slices.Equal(got, want) {
		t.Errorf("started again, the reader saw %v, want %v", got, want)
	}
	settled(t, c, ec.Name, 13)
	if n := strings.Count(logs.String(), "event consumer made again"); n != 1 {
		t.Errorf("the takeover logged %d times, want once:\n%s", n, logs.String())
	}
}

// A reader may hold a batch far longer than AckWait (a webhook backing
// off): all of it is kept in progress, not only the message whose ack
// will settle it, as the server times each pending message on its own.
func TestEventConsumerKeepsAHeldBatchInProgress(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	const n = 4
	publishEvents(t, c, slices.Repeat([]string{"MessageNew"}, n)...)
	ec := pipeline.EventConsumer{Name: "test-held", Since: time.Now().Add(-time.Hour), AckWait: time.Second, Batch: n}

	readAll(t, c, ec, n, func(batch int) {
		if batch == 1 {
			time.Sleep(5 * ec.AckWait / 2)
		}
	})
	if info := settled(t, c, ec.Name, n); info.NumRedelivered != 0 {
		t.Errorf("%d events handed out again while held", info.NumRedelivered)
	}
}

// readAll runs ec until it has handed out events 1 to n, calling during
// (if not nil) with each batch's number from 1 before settling it, and
// checks it handed out each once, in order; it returns the batches.
func readAll(t *testing.T, c *bus.Conn, ec pipeline.EventConsumer, n uint64, during func(batch int)) [][]uint64 {
	t.Helper()
	run, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var batches [][]uint64
	err := c.ConsumeEvents(run, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
		batches = append(batches, seqs(evs))
		if during != nil {
			during(len(batches))
		}
		if evs[len(evs)-1].Seq >= n {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if all := slices.Concat(batches...); !slices.Equal(all, seqRange(1, n)) {
		t.Fatalf("the reader saw %v, want %v", batches, seqRange(1, n))
	}
	return batches
}
