package pipeline

import (
	"context"
	"time"
)

// EventConsumers gives a reader of the events stream a durable consumer
// of its own: its position survives restarts, and an event comes again
// until the reader settles it. Webhooks (notify/webhook) are its readers:
// one consumer each, so that one slow receiver holds back no other.
type EventConsumers interface {
	// ConsumeEvents creates the consumer c (or takes it up where it
	// stopped) and calls fn with its events in stream order, up to
	// c.Batch at a time (those at hand; fn never waits for a batch to
	// fill): the next events come only once fn has returned. While fn
	// runs its events are kept from being handed out again. fn returning
	// nil acknowledges them; an error leaves them to come again first on
	// the next ConsumeEvents and is returned. ConsumeEvents returns nil
	// when ctx ends. Delivery is at least once: an event fn settled may
	// still come again (an acknowledgement lost, or a consumer an older
	// chapar made, taken up from its ack floor).
	ConsumeEvents(ctx context.Context, c EventConsumer, fn func(ctx context.Context, events []LoggedEvent) error) error
	// DeleteEventConsumer removes a consumer; one that does not exist is
	// no error.
	DeleteEventConsumer(ctx context.Context, name string) error
	// EventConsumerNames lists the durable consumers on the events stream
	// whose names begin with prefix.
	EventConsumerNames(ctx context.Context, prefix string) ([]string, error)
}

// EventConsumer describes one durable consumer on the events stream.
type EventConsumer struct {
	Name string
	// Types are the event types it receives; empty receives all. The
	// stream filters them (the type is the subject's last token), so
	// events of other types cost the reader nothing.
	Types []string
	// Since is where a new consumer starts: the first event published at
	// or after it. Zero: events published from its creation on.
	Since time.Time
	// Batch is the most events handed to the reader at once, and so the
	// most it holds unacknowledged. Default 1: one event at a time.
	Batch int
	// AckWait is how long an event handed to a reader that went away
	// (a killed process) waits before it is handed out again. Default
	// 30s.
	AckWait time.Duration
}
