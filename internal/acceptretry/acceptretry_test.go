package acceptretry_test

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"chapar/internal/acceptretry"
	"chapar/internal/testkit"
)

func TestTemporaryErrors(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		err := &net.OpError{Op: "accept", Net: "tcp", Err: errno}
		if !acceptretry.Temporary(err) {
			t.Errorf("%v: not temporary", errno)
		}
	}
	for _, err := range []error{net.ErrClosed, errors.New("boom"), &net.OpError{Op: "accept", Err: syscall.EBADF}} {
		if acceptretry.Temporary(err) {
			t.Errorf("%v: temporary", err)
		}
	}
}

// Each error kind, then a real connection: Accept hands over the
// connection, not the errors.
func TestAcceptRetriesThenAccepts(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ECONNABORTED} {
		inner, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fl := &testkit.FailingListener{Listener: inner, Failures: 4, Err: errno}
		l := acceptretry.Wrap(fl, testkit.Quiet(), "test")
		go func() {
			c, err := net.Dial("tcp", inner.Addr().String())
			if err == nil {
				io.WriteString(c, "hi")
				c.Close()
			}
		}()
		c, err := l.Accept()
		if err != nil {
			t.Fatalf("%v: accept: %v", errno, err)
		}
		b, _ := io.ReadAll(c)
		c.Close()
		if string(b) != "hi" || fl.Calls() != 5 {
			t.Errorf("%v: read %q after %d calls", errno, b, fl.Calls())
		}
		l.Close()
	}
}

// Close ends a backoff wait, and Accept then says the listener is closed.
func TestCloseDuringBackoff(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &testkit.FailingListener{Listener: inner, Failures: 1 << 40}
	l := acceptretry.Wrap(fl, testkit.Quiet(), "test")
	done := make(chan error, 1)
	go func() { _, err := l.Accept(); done <- err }()
	testkit.CheckFor(t, 10*time.Second, func() error {
		if fl.Calls() < 3 {
			return errors.New("not retrying yet")
		}
		return nil
	})
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("accept after close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waiting after Close")
	}
}

// A permanent error is returned, not retried.
func TestPermanentErrorReturns(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	fl := &testkit.FailingListener{Listener: inner, Failures: 1, Err: syscall.EBADF}
	if _, err := acceptretry.Wrap(fl, testkit.Quiet(), "test").Accept(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("accept: %v, want EBADF", err)
	}
}
