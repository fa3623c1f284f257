package connset

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// Close ends the accept loop with net.ErrClosed and closes a connection
// whose handler is still reading, then waits for that handler.
func TestCloseEndsListenersAndSessions(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var set Set
	handled := make(chan error, 1)
	served := make(chan error, 1)
	go func() {
		served <- set.Serve(l, "test", testkit.Quiet(), func(c net.Conn) {
			_, err := io.ReadAll(c) // until Close closes it
			handled <- err
		})
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	// The handler runs once the connection is accepted; Close must wait
	// for it, so after Close its result is there.
	testkit.CheckFor(t, 10*time.Second, func() error {
		set.mu.Lock()
		defer set.mu.Unlock()
		if len(set.conns) != 1 {
			return errors.New("connection not accepted yet")
		}
		return nil
	})
	set.Close()
	select {
	case <-handled:
	default:
		t.Fatal("Close returned before the session's handler")
	}
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
	if err := set.Serve(l, "test", testkit.Quiet(), nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve on a closed set: %v", err)
	}
	set.Close() // twice is harmless
}
