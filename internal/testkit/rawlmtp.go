package testkit

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// RawLMTP speaks LMTP by hand, for what a well-behaved client would never
// send: it writes bytes as given and reads replies, multi-line ones whole.
type RawLMTP struct {
	tb   testing.TB
	conn net.Conn
	r    *textproto.Reader
}

// DialRawLMTP connects, reads the 220 greeting, and closes the connection
// when the test ends. A hung server fails the test rather than hanging it.
func DialRawLMTP(tb testing.TB, addr string) *RawLMTP {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatalf("dial LMTP %s: %v", addr, err)
	}
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	s := &RawLMTP{tb: tb, conn: conn, r: textproto.NewReader(bufio.NewReader(conn))}
	s.Expect("220 ")
	return s
}

// Conn is the connection, for tests that hang up or read it themselves.
func (s *RawLMTP) Conn() net.Conn { return s.conn }

// Reader reads the replies, for tests that read more than Expect does.
func (s *RawLMTP) Reader() *textproto.Reader { return s.r }

// Write sends data as it is, line endings included.
func (s *RawLMTP) Write(data string) {
	s.tb.Helper()
	if _, err := s.conn.Write([]byte(data)); err != nil {
		s.tb.Fatalf("write: %v", err)
	}
}

// Expect reads one reply and checks how it starts ("250 2.1.5 ...").
func (s *RawLMTP) Expect(prefix string) string {
	s.tb.Helper()
	code, msg, err := s.r.ReadResponse(0)
	if err != nil {
		s.tb.Fatalf("reading the reply (want %q): %v", prefix, err)
	}
	reply := fmt.Sprintf("%03d %s", code, msg)
	if !strings.HasPrefix(reply, prefix) {
		s.tb.Fatalf("reply %q, want %q...", reply, prefix)
	}
	return reply
}

// Exchange sends a command line and checks the reply.
func (s *RawLMTP) Exchange(cmd, prefix string) string {
	s.tb.Helper()
	s.Write(cmd + "\r\n")
	return s.Expect(prefix)
}
