package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"chapar/pipeline"
	"chapar/pipeline/bustest"
)

// What the sink publishes, in order, the feed follows, by mailbox and type.
func TestEventSinkAndFeed(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, quiet())
	type seen struct{ mailbox, kind string }
	got := make(chan seen, 10)
	stop, err := c.Follow(func(mailboxID, eventType string) { got <- seen{mailboxID, eventType} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	msgs := []pipeline.EventMessage{
		{ID: "1", MailboxID: "mb1", Type: "MailboxCreate", Data: []byte(`{}`)},
		{ID: "2", MailboxID: "mb1", Type: "MessageNew", Data: []byte(`{}`)},
		{ID: "3", MailboxID: "mb2", Type: "FlagsSet", Data: []byte(`{}`)},
	}
	acked, err := c.PublishOrdered(context.Background(), msgs)
	if acked != len(msgs) || err != nil {
		t.Fatalf("PublishOrdered: %d acknowledged, %v; want all %d", acked, err, len(msgs))
	}
	var followed []seen
	timeout := time.After(time.Minute)
	for len(followed) < len(msgs) {
		select {
		case s := <-got:
			followed = append(followed, s)
		case <-timeout:
			t.Fatalf("followed %v, want %d events", followed, len(msgs))
		}
	}
	want := []seen{{"mb1", "MailboxCreate"}, {"mb1", "MessageNew"}, {"mb2", "FlagsSet"}}
	if !slices.Equal(followed, want) {
		t.Errorf("followed %v, want %v", followed, want)
	}

	// A republished event (same id) is not stored twice.
	if acked, err := c.PublishOrdered(context.Background(), msgs[:1]); acked != 1 || err != nil {
		t.Fatalf("republish: %d acknowledged, %v", acked, err)
	}
	info, err := c.JetStream().Stream(context.Background(), pipeline.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := info.Info(context.Background()); err != nil || st.State.Msgs != uint64(len(msgs)) {
		t.Errorf("events stream holds %v messages (%v), want %d", st, err, len(msgs))
	}
}
