package embedded

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// syncBuffer is a log destination the server's goroutines and the test
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startLogged(t *testing.T, level slog.Level) (*Server, *syncBuffer) {
	t.Helper()
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
	s, err := Start(Config{StoreDir: t.TempDir(), Log: log, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, &buf
}

func TestServerLogLinesReachSlog(t *testing.T) {
	t.Parallel()
	_, buf := startLogged(t, slog.LevelInfo)
	out := buf.String()
	if !strings.Contains(out, "component=nats") || !strings.Contains(out, "Starting JetStream") {
		t.Fatalf("the server's startup lines are not in the log:\n%s", out)
	}
	if strings.Contains(out, "level=DEBUG") {
		t.Fatalf("debug lines logged at level info:\n%s", out)
	}
}

func TestServerDebugLinesOnlyAtDebugLevel(t *testing.T) {
	t.Parallel()
	_, buf := startLogged(t, slog.LevelDebug)
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Fatalf("no debug line from the server at level debug:\n%s", buf.String())
	}
}

// A stream's sticky write error is known only from the server's log line;
// it must end the JetStream context at once.
func TestACriticalWriteErrorLineMarksJetStreamLost(t *testing.T) {
	t.Parallel()
	s, buf := startLogged(t, slog.LevelInfo)
	ctx := s.JetStreamContext()
	s.srv.Errorf("JetStream stream '%s > %s' critical write error: %v", "$G", "CHAPAR_JOBS", errors.New("no space left on device"))
	if ctx.Err() == nil {
		t.Fatal("the JetStream context is still live after a critical write error")
	}
	if !strings.Contains(buf.String(), "JetStream is disabled") {
		t.Fatalf("the loss is not logged:\n%s", buf.String())
	}
	// The store has room (a temporary directory): the supervisor restarts
	// JetStream and hands out a live context again.
	testkit.CheckFor(t, 10*time.Second, func() error {
		if s.JetStreamContext().Err() != nil || !s.srv.JetStreamEnabled() {
			return errors.New("JetStream not back yet")
		}
		return nil
	})
	if !strings.Contains(buf.String(), "JetStream re-enabled") {
		t.Fatalf("the recovery is not logged:\n%s", buf.String())
	}
}

// When the server shuts JetStream down itself (its out-of-space path), the
// supervisor notices by polling and starts it again.
func TestSupervisorRestartsAJetStreamTheServerShutDown(t *testing.T) {
	t.Parallel()
	s, buf := startLogged(t, slog.LevelInfo)
	ctx := s.JetStreamContext()
	if err := s.srv.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if ctx.Err() == nil {
			return errors.New("the supervisor has not noticed")
		}
		if s.JetStreamContext().Err() != nil || !s.srv.JetStreamEnabled() {
			return errors.New("JetStream not back yet")
		}
		return nil
	})
	out := buf.String()
	if !strings.Contains(out, "JetStream is disabled") || !strings.Contains(out, "JetStream re-enabled") {
		t.Fatalf("transitions not logged:\n%s", out)
	}
}

func TestFreeSpaceOfAMissingDirectoryIsUnknown(t *testing.T) {
	t.Parallel()
	if got := freeSpace("/nonexistent/chapar"); got != -1 {
		t.Fatalf("freeSpace of a missing directory = %d, want -1", got)
	}
	if got := freeSpace(t.TempDir()); got <= 0 {
		t.Fatalf("freeSpace of a temporary directory = %d, want > 0", got)
	}
}

// Lost again soon after a restart, the supervisor waits before the next
// one (a poll interval, doubling), and still brings JetStream back.
func TestALossSoonAfterARestartBacksOff(t *testing.T) {
	t.Parallel()
	s, buf := startLogged(t, slog.LevelInfo)
	back := func() error {
		if s.JetStreamContext().Err() != nil || !s.srv.JetStreamEnabled() {
			return errors.New("JetStream not back yet")
		}
		return nil
	}
	s.lost("test: first")
	testkit.CheckFor(t, 10*time.Second, back)
	s.lost("test: again")
	if !strings.Contains(buf.String(), "reason=\"test: again\"") || !strings.Contains(buf.String(), "retry_in=50ms") {
		t.Fatalf("the second loss does not back off by a poll interval:\n%s", buf.String())
	}
	testkit.CheckFor(t, 10*time.Second, back)
}
