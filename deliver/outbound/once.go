package outbound

import (
	"context"
	"log/slog"
	"time"

	"chapar/pipeline"
	"chapar/store"
)

// Once sends each outbound message id at most once as far as the store
// knows: it skips an id already marked sent and marks it right after the
// send succeeds. What is left is the instant between the relay's "250"
// and the mark; a crash there sends the message again, which is the
// at-least-once side an MTA errs on too.
type Once struct {
	Store  *store.Store
	Sender pipeline.Sender
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Send sends m unless it was sent.
func (o Once) Send(ctx context.Context, m *pipeline.OutboundMessage) error {
	sent, err := o.Store.OutboundSent(m.ID)
	if err != nil {
		return err
	}
	if sent {
		return nil
	}
	if err := o.Sender.Send(ctx, m); err != nil {
		return err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if err := o.Store.MarkOutboundSent(m.ID, now()); err != nil && o.Log != nil {
		// It went: failing here would send it again at once. Only a lost
		// acknowledgement on top of this could repeat it.
		o.Log.Warn("outbound message sent but not marked", "id", m.ID, "err", err)
	}
	return nil
}
