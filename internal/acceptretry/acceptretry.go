// Package acceptretry keeps a listener's accept loop alive through the
// errors a busy or starved machine produces. Accept fails with EMFILE or
// ENFILE when the process or the system is out of file descriptors, with
// ENOBUFS or ENOMEM when the kernel is short of memory, and with
// ECONNABORTED when a client gave up before it was accepted; none of these
// says anything about the listener, and a server whose loop returns on them
// stops serving for good although the condition passes (as nginx and Go's
// net/http do, it waits and tries again).
package acceptretry

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Backoff bounds: 5 ms doubling to 1 s, the same steps as net/http's
// Server.Serve, short enough that a freed descriptor is used at once and
// long enough that a starved process does not spin.
const (
	minDelay = 5 * time.Millisecond
	maxDelay = time.Second
)

// Listener wraps a net.Listener so that Accept retries temporary errors
// itself, with backoff, and returns only a connection, net.ErrClosed (after
// Close or when the inner listener is closed) or an error that will not
// pass by waiting.
type Listener struct {
	net.Listener
	log     *slog.Logger
	service string

	closeOnce sync.Once
	done      chan struct{}
}

// Wrap returns l with a retrying Accept; service names it in the log.
func Wrap(l net.Listener, log *slog.Logger, service string) *Listener {
	if log == nil {
		log = slog.Default()
	}
	return &Listener{Listener: l, log: log, service: service, done: make(chan struct{})}
}

// Accept waits for a connection. A temporary failure is logged once per
// streak (a Warn when it starts, an Info when accepting works again) and
// retried after a delay that doubles from 5 ms to 1 s and starts over after
// a success.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	var streak int
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			if streak > 0 {
				l.log.Info("accepting connections again", "service", l.service, "failures", streak)
			}
			return c, nil
		}
		select {
		case <-l.done:
			return nil, fmt.Errorf("%s: accept: %w", l.service, net.ErrClosed)
		default:
		}
		if errors.Is(err, net.ErrClosed) || !Temporary(err) {
			return nil, err
		}
		delay = min(max(2*delay, minDelay), maxDelay)
		if streak == 0 {
			l.log.Warn("accept failed; retrying with backoff", "service", l.service, "err", err)
		}
		streak++
		t := time.NewTimer(delay)
		select {
		case <-l.done:
			t.Stop()
			return nil, fmt.Errorf("%s: accept: %w", l.service, net.ErrClosed)
		case <-t.C:
		}
	}
}

// Close closes the inner listener and ends a backoff wait at once.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Temporary reports whether an accept error may pass by waiting: running out
// of descriptors or kernel memory, an aborted or reset handshake, an
// interrupted call, a protocol error or a firewall rule refusing one
// connection (EPROTO, EPERM: accept(2) on Linux), and any net.Error that
// says it is a timeout or temporary.
func Temporary(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
			syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR,
			syscall.EAGAIN, syscall.EPROTO, syscall.EPERM:
			return true
		}
	}
	var ne interface {
		Timeout() bool
		Temporary() bool
	}
	if errors.As(err, &ne) {
		return ne.Timeout() || ne.Temporary()
	}
	return false
}
