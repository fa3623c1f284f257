package bus_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"chapar/pipeline"
	"chapar/pipeline/bustest"
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
	err := c.ConsumeEvents(ctx, ec, func(_ context.Context, e pipeline.LoggedEvent) error {
		if len(seen) == 2 {
			return failed
		}
		seen = append(seen, e.Seq)
		return nil
	})
	if !errors.Is(err, failed) {
		t.Fatalf("first run ended with %v, want the reader's error", err)
	}
	// The second run starts with that event and sees the rest.
	run, cancel := context.WithCancel(ctx)
	var types []string
	err = c.ConsumeEvents(run, ec, func(_ context.Context, e pipeline.LoggedEvent) error {
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
