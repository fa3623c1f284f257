package imap

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// output is the session's response writer. Responses are buffered and
// flushed once per command (or per batch of untagged responses in IDLE); the
// buffer comes from a pool and goes back after each flush, so that an idle
// session holds none.
type output struct {
	conn net.Conn
	bw   *bufio.Writer
	err  error
	// deadline is the write deadline last set on conn (errWriter).
	deadline time.Time
}

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 8<<10) }}

// writeTimeout bounds how long a client that does not read may hold a
// session in a write; deadlineSlack is how far behind the ideal deadline
// the one set may fall, so that a stalled client is cut off after between
// 4 and 5 minutes.
const (
	writeTimeout  = 5 * time.Minute
	deadlineSlack = time.Minute
)

func (o *output) w() *bufio.Writer {
	if o.bw == nil {
		o.bw = writerPool.Get().(*bufio.Writer)
		o.bw.Reset(errWriter{o})
	}
	return o.bw
}

// errWriter remembers the first write error, so that handlers can write
// without checking each call; flush reports it.
type errWriter struct{ o *output }

func (e errWriter) Write(b []byte) (int, error) {
	if e.o.err != nil {
		return 0, e.o.err
	}
	// The deadline moves with the writes, so that a big FETCH to a slow
	// but reading client is not cut off, and a stalled one is. It moves
	// only once it is a minute behind: resetting the connection's timer
	// on every write was a few per cent of the server's CPU when a
	// delivery woke a thousand IDLE sessions, each writing once.
	if now := time.Now(); now.Add(writeTimeout).Sub(e.o.deadline) > deadlineSlack {
		e.o.deadline = now.Add(writeTimeout)
		e.o.conn.SetWriteDeadline(e.o.deadline)
	}
	n, err := e.o.conn.Write(b)
	if err != nil {
		e.o.err = err
	}
	return n, err
}

func (o *output) Write(b []byte) (int, error) { return o.w().Write(b) }

func (o *output) WriteString(s string) (int, error) { return o.w().WriteString(s) }

// flush sends what is buffered and returns the buffer to the pool.
func (o *output) flush() error {
	if o.bw != nil {
		o.bw.Flush()
		// A compressing connection (COMPRESS, compress.go) holds back
		// what it was given until told that the burst is over.
		if f, ok := o.conn.(interface{ Flush() error }); ok && o.err == nil {
			if err := f.Flush(); err != nil {
				o.err = err
			}
		}
		o.bw.Reset(nil)
		writerPool.Put(o.bw)
		o.bw = nil
	}
	return o.err
}

// setConn switches to a new connection (after STARTTLS).
func (o *output) setConn(c net.Conn) { o.conn, o.deadline = c, time.Time{} }

var _ io.Writer = (*output)(nil)

// The append* helpers build responses in a []byte; they follow RFC 9051 §9
// (formal syntax) and choose the cheapest legal form.

// quotable reports whether s can be sent as a quoted string: no CR, LF or
// NUL, and 8-bit only when the client accepts UTF-8 (RFC 6855 §3).
func quotable(s string, utf8 bool) bool {
	if len(s) > 4096 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8) {
			return false
		}
	}
	return true
}

// appendString writes s as a quoted string or, when it cannot be quoted,
// as a literal.
func appendString(b []byte, s string, utf8 bool) []byte {
	if !quotable(s, utf8) {
		return appendLiteral(b, s)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func appendLiteral(b []byte, s string) []byte {
	b = append(b, '{')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, "}\r\n"...)
	return append(b, s...)
}

// appendNString writes s, or NIL when s is empty.
func appendNString(b []byte, s string, utf8 bool) []byte {
	if s == "" {
		return append(b, "NIL"...)
	}
	return appendString(b, s, utf8)
}

// appendAstring writes s as an atom when it is one (and not NIL), else as
// a string.
func appendAstring(b []byte, s string, utf8 bool) []byte {
	if s == "" || len(s) > 1024 || (len(s) == 3 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'i' && (s[2]|0x20) == 'l') {
		return appendString(b, s, utf8)
	}
	for i := 0; i < len(s); i++ {
		if !isAtomChar(s[i]) {
			return appendString(b, s, utf8)
		}
	}
	return append(b, s...)
}

func appendUint(b []byte, n uint32) []byte { return strconv.AppendUint(b, uint64(n), 10) }
