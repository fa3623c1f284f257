package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"
)

// lostServer is the real embedded server with its JetStream context under
// the test's control, standing for the supervisor having seen the store
// fill.
type lostServer struct {
	*embedded.Server
	ctx context.Context
}

func (s lostServer) JetStreamContext() context.Context { return s.ctx }

func connectLost(t *testing.T) (*bus.Conn, context.CancelFunc) {
	t.Helper()
	srv, err := embedded.Start(embedded.Config{StoreDir: t.TempDir(), Log: testkit.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, lose := context.WithCancel(context.Background())
	c, err := bus.Connect(context.Background(), bus.Config{InProcess: lostServer{srv, ctx}, Log: testkit.Quiet()})
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return c, lose
}

// While JetStream has lost its store a job is refused at once with
// pipeline.ErrNoSpace (LMTP's 452 4.3.1), and nothing is queued.
func TestSubmitRefusesWhileJetStreamIsLost(t *testing.T) {
	t.Parallel()
	c, lose := connectLost(t)
	if tk, err := c.Submit(context.Background(), newJob("p1"), false); err != nil {
		t.Fatalf("submit while JetStream is fine: %v", err)
	} else {
		tk.Close()
	}
	lose()
	_, err := c.Submit(context.Background(), newJob("p1"), true)
	if !errors.Is(err, pipeline.ErrNoSpace) || !pipeline.NoSpace(err) {
		t.Fatalf("submit while JetStream is lost: %v, want ErrNoSpace", err)
	}
	info, err := c.JetStream().Stream(context.Background(), pipeline.StreamJobs)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("jobs stream holds %d messages, want only the one submitted before", n)
	}
}

// The event publisher is told too, instead of waiting forever for
// acknowledgements a broken stream never sends.
func TestPublishOrderedGivesUpWhileJetStreamIsLost(t *testing.T) {
	t.Parallel()
	c, lose := connectLost(t)
	msgs := []pipeline.EventMessage{{ID: "e1", MailboxID: "m1", Type: "MessageNew", Data: []byte("{}")}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n, err := c.PublishOrdered(ctx, msgs); n != 1 || err != nil {
		t.Fatalf("publish while JetStream is fine: %d, %v", n, err)
	}
	lose()
	if n, err := c.PublishOrdered(ctx, msgs); n != 0 || !errors.Is(err, pipeline.ErrNoSpace) {
		t.Fatalf("publish while JetStream is lost: %d, %v; want 0 and ErrNoSpace", n, err)
	}
}
