package bus_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/pipeline/embedded"
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
