package bus

import (
	"context"
	"errors"
	"fmt"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// Availability is what an in-process server may add to InProcess: a
// context that ends while JetStream has lost its store (pipeline/embedded's
// supervisor keeps it). A Conn whose server offers it refuses jobs at once
// while JetStream is down, and a publish in flight when it goes down ends
// then, instead of running into its timeout: the server drops a publish it
// cannot store without answering.
type Availability interface {
	JetStreamContext() context.Context
}

// JetStream API error codes that mean "no room" (nats-server's
// server/jetstream_errors_generated.go).
const (
	codeInsufficientResources    jetstream.ErrorCode = 10023
	codeStorageResourcesExceeded jetstream.ErrorCode = 10047
)

// jetStream is the server's JetStream context, or nil for an external
// cluster whose state only the publish errors tell.
func (c *Conn) jetStream() context.Context {
	if c.avail == nil {
		return nil
	}
	return c.avail.JetStreamContext()
}

// publishCtx is ctx, ended early if JetStream is lost meanwhile; stop
// releases it.
func publishCtx(ctx, js context.Context) (context.Context, func()) {
	pctx, cancel := context.WithCancel(ctx)
	if js == nil {
		return pctx, cancel
	}
	unhook := context.AfterFunc(js, cancel)
	return pctx, func() { unhook(); cancel() }
}

// classifyPublish turns a failed publish into pipeline.ErrNoSpace when it
// says storage is full or JetStream is off (which, on the embedded server,
// only a store it cannot write does); other errors pass unchanged.
func classifyPublish(err error, js context.Context) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case codeInsufficientResources, codeStorageResourcesExceeded, jetstream.JSErrCodeJetStreamNotEnabled:
			return fmt.Errorf("%w: %w", pipeline.ErrNoSpace, err)
		}
	}
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || (js != nil && js.Err() != nil) {
		return fmt.Errorf("%w: %w", pipeline.ErrNoSpace, err)
	}
	return err
}
