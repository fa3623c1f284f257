package main

import (
	"bufio"
	"net"
	"runtime"
	"testing"
	"time"
)

// An EXISTS split over reads is still seen, and one too long to be ours
// is not kept.
func TestIdleSessionLinesAcrossReads(t *testing.T) {
	s := &idleSession{wake: make(chan struct{}, 1)}
	now := time.Now()
	s.lines([]byte("* 3 EXI"), now)
	if n, _ := s.state(); n != 0 {
		t.Fatalf("exists = %d before the line ended", n)
	}
	s.lines([]byte("STS\r\n* OK Still here\r\n* 4 EX"), now)
	if n, _ := s.state(); n != 3 {
		t.Fatalf("exists = %d, want 3", n)
	}
	s.lines([]byte("ISTS\r\n"), now)
	if n, _ := s.state(); n != 4 {
		t.Fatalf("exists = %d, want 4", n)
	}
	if len(s.rest) != 0 {
		t.Fatalf("rest = %q after whole lines", s.rest)
	}
}

// The reader of this platform follows a real socket: what the handshake's
// buffer held, EXISTS lines written in pieces, and the end of the
// connection, after which the session is done.
func TestIdleReaderFollowsASocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverSide := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(serverSide)
			return
		}
		serverSide <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv := <-serverSide
	if srv == nil {
		t.Fatal("no connection accepted")
	}
	defer srv.Close()

	// The handshake read "+ idling" and, past it, the start of an EXISTS.
	srv.Write([]byte("+ idling\r\n* 7 EXI"))
	br := bufio.NewReaderSize(nc, idleBufSize)
	if line, err := br.ReadString('\n'); err != nil || line != "+ idling\r\n" {
		t.Fatalf("continuation %q, %v", line, err)
	}
	for br.Buffered() < len("* 7 EXI") {
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			t.Fatal(err)
		}
	}
	s := &idleSession{c: &imapConn{nc: nc, br: br}, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	r, err := newIdleReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.stop()
	if err := r.follow(s); err != nil {
		t.Fatal(err)
	}
	waitExists := func(want uint32) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			if n, _ := s.state(); n == want {
				return
			}
			select {
			case <-s.wake:
			case <-deadline:
				n, _ := s.state()
				t.Fatalf("exists = %d, want %d", n, want)
			}
		}
	}
	srv.Write([]byte("STS\r\n"))
	waitExists(7)
	srv.Write([]byte("* 8 EXISTS\r\n"))
	waitExists(8)

	// The session's DONE and LOGOUT reach the server, which then closes.
	if _, err := s.c.nc.Write([]byte("DONE\r\nz LOGOUT\r\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 64)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := srv.Read(got)
	if err != nil || string(got[:n]) != "DONE\r\nz LOGOUT\r\n" {
		t.Fatalf("server read %q, %v", got[:n], err)
	}
	srv.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the session is not done after the server closed")
	}
	// Only epoll's reader owns the socket (a net.Conn's write to a peer
	// that closed may still succeed once).
	if _, err := s.c.nc.Write([]byte("x")); runtime.GOOS == "linux" && err == nil {
		t.Fatal("a write after the reader closed the socket succeeded")
	}
}
