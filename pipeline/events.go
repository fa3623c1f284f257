package pipeline

import "context"

// EventMessage is one change event on its way to the events stream.
type EventMessage struct {
	// ID deduplicates a republished event (the outbox position).
	ID        string
	MailboxID string
	Type      string // RFC 5423 event type: MessageNew, FlagsSet, ...
	Data      []byte // the event in Cyrus's JSON shape
	// WakeOnly keeps the event off the stream (the event_* options exclude
	// it) while still waking the followers of its mailbox (IMAP IDLE): it
	// goes out on core NATS, on WakeSubject, without its data.
	WakeOnly bool
}

// EventSink publishes change events durably; notify drains the store's
// outbox into it.
type EventSink interface {
	// PublishOrdered publishes msgs without waiting for each in turn and
	// returns how many of the leading messages were acknowledged in an
	// unbroken run: only those may leave the outbox, so that a retry never
	// publishes a later event of a mailbox before an earlier one. err tells
	// why the run stopped short.
	PublishOrdered(ctx context.Context, msgs []EventMessage) (acked int, err error)
}

// EventFeed follows every change event as it is published: one
// subscription for a whole process, fanned out by the caller (notify's
// Hub), so that ten thousand idling IMAP sessions are not ten thousand
// subscriptions.
type EventFeed interface {
	// Follow calls fn with the mailbox and event type of every event, the
	// wake-only ones included (EventMessage.WakeOnly), until stop is
	// called. fn is called for one event at a time, a mailbox's stream
	// events in their order (wake-only ones may come before or after
	// them), and should return quickly: the next event waits for it.
	Follow(fn func(mailboxID, eventType string)) (stop func() error, err error)
}

// EventLog reads the events stream from a position, for readers that
// resume where they left off (the SSE endpoint's Last-Event-ID) rather
// than only follow what happens from now on.
type EventLog interface {
	// Replay calls fn with every event from stream sequence from on (0:
	// only those published from now on), in stream order, until ctx ends
	// (nil is returned) or fn returns an error (returned).
	Replay(ctx context.Context, from uint64, fn func(e LoggedEvent) error) error
}

// LoggedEvent is one event as the stream keeps it.
type LoggedEvent struct {
	Seq       uint64 // the stream's sequence: a resume position
	MailboxID string
	Type      string
	Data      []byte // the event's JSON
}
