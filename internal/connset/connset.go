// Package connset runs a protocol server's accept loops and keeps the
// connections they hand out, so that Close ends every listener and every
// session and waits for them: what POP3 and ManageSieve each wrote alike.
package connset

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"chapar/internal/acceptretry"
)

// Set is the listeners and live connections of one server. The zero
// value is ready to use.
type Set struct {
	mu        sync.Mutex
	closing   atomic.Bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

// Serve accepts connections on l, retrying through temporary errors
// (acceptretry), and runs handle for each on its own goroutine, until
// Close; it then returns net.ErrClosed. service names the server in logs
// and errors.
func (s *Set) Serve(inner net.Listener, service string, log *slog.Logger, handle func(net.Conn)) error {
	l := acceptretry.Wrap(inner, log, service)
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		l.Close()
		return net.ErrClosed
	}
	if s.listeners == nil {
		s.listeners, s.conns = map[net.Listener]struct{}{}, map[net.Conn]struct{}{}
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return net.ErrClosed
			}
			return fmt.Errorf("%s: accept: %w", service, err)
		}
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			c.Close()
			return net.ErrClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			handle(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Close stops the listeners, closes every connection and waits for their
// handlers to return. Closing twice is harmless.
func (s *Set) Close() {
	s.mu.Lock()
	if s.closing.Swap(true) {
		s.mu.Unlock()
		return
	}
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
