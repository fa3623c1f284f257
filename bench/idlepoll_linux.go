//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// epollReader follows every idling session from one thread through
// epoll, level-triggered: one read per connection that has something,
// and no goroutine to wake for it. With a goroutine per connection (Go's
// poller, edge-triggered) each EXISTS cost the client a goroutine wake-up
// and two reads, the second finding nothing more, and at 1,000 watchers
// per delivery that was about 15 ms of CPU per delivery on the two cores
// the server runs on too: the latency measured was partly the client's.
// Real clients are on other machines; this one should cost the server's
// machine as little as it can.
type epollReader struct {
	epfd    int
	quit    atomic.Bool
	stopped chan struct{}

	mu   sync.Mutex
	byFD map[int32]*idleSession
}

func newIdleReader() (idleReader, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	r := &epollReader{epfd: epfd, stopped: make(chan struct{}), byFD: map[int32]*idleSession{}}
	go r.run()
	return r, nil
}

// follow takes the socket out of Go's poller (a duplicate descriptor
// keeps it open when the net.Conn closes) and into the reader's epoll.
func (r *epollReader) follow(s *idleSession) error {
	tc, ok := s.c.nc.(*net.TCPConn)
	if !ok {
		return goroutineReader{}.follow(s)
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(f uintptr) { fd, dupErr = syscall.Dup(int(f)) }); err != nil {
		return err
	}
	if dupErr != nil {
		return fmt.Errorf("dup: %w", dupErr)
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return err
	}
	// What the handshake read past IDLE's continuation is the reader's.
	if n := s.c.br.Buffered(); n > 0 {
		b, _ := s.c.br.Peek(n)
		s.lines(b, time.Now())
	}
	tc.Close()
	s.c.nc = &fdConn{fd: fd}
	r.mu.Lock()
	r.byFD[int32(fd)] = s
	r.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		r.drop(s, fd)
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

func (r *epollReader) run() {
	runtime.LockOSThread()
	defer close(r.stopped)
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, idleBufSize)
	for !r.quit.Load() {
		n, err := syscall.EpollWait(r.epfd, events, 100)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			logf("idle: epoll: %v", err)
			return
		}
		for _, ev := range events[:n] {
			r.mu.Lock()
			s := r.byFD[ev.Fd]
			r.mu.Unlock()
			if s == nil {
				continue
			}
			m, err := syscall.Read(int(ev.Fd), buf)
			if m > 0 {
				s.lines(buf[:m], time.Now())
				continue
			}
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				continue
			}
			r.drop(s, int(ev.Fd)) // the end of the connection, or an error
		}
	}
}

// drop stops following s and closes its socket: only here, so that the
// descriptor is never read or written after it may have been reused.
func (r *epollReader) drop(s *idleSession, fd int) {
	r.mu.Lock()
	delete(r.byFD, int32(fd))
	r.mu.Unlock()
	syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	s.c.nc.(*fdConn).close()
	close(s.done)
}

func (r *epollReader) stop() {
	r.quit.Store(true)
	<-r.stopped
	r.mu.Lock()
	left := make(map[int32]*idleSession, len(r.byFD))
	for fd, s := range r.byFD {
		left[fd] = s
	}
	r.mu.Unlock()
	for fd, s := range left {
		r.drop(s, int(fd))
	}
	syscall.Close(r.epfd)
}

// fdConn is an idling session's socket once epollReader has it: the
// session only writes to it (DONE and LOGOUT), and closing it is the
// reader's (drop).
type fdConn struct {
	net.Conn // nil: only what is below is used

	mu     sync.Mutex
	fd     int
	closed bool
}

func (c *fdConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	written := 0
	for tries := 0; written < len(p); {
		if c.closed {
			return written, net.ErrClosed
		}
		n, err := syscall.Write(c.fd, p[written:])
		if n > 0 {
			written += n
			continue
		}
		if err == nil {
			return written, io.ErrShortWrite
		}
		if errors.Is(err, syscall.EAGAIN) && tries < 1000 {
			tries++
			time.Sleep(time.Millisecond)
			continue
		}
		return written, err
	}
	return written, nil
}

func (c *fdConn) SetDeadline(time.Time) error { return nil }

// Close leaves the socket to the reader, which closes it when the server
// has closed its end.
func (c *fdConn) Close() error { return nil }

func (c *fdConn) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		syscall.Close(c.fd)
	}
	c.mu.Unlock()
}
