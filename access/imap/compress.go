package imap

import (
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// COMPRESS=DEFLATE (RFC 4978). After the tagged OK both directions of the
// connection carry one raw DEFLATE stream each (RFC 1951, no zlib or gzip
// header: §3). The session keeps reading lines and writing responses as
// before; only the connection under its reader and writer changes, the way
// STARTTLS changes it.

// compressLevel trades ratio for speed: IMAP responses are mostly headers
// and message text, where the fastest level already gets most of the gain,
// and the extension must cost little throughput.
const compressLevel = flate.BestSpeed

type compressArgs struct{ mechanism string }

func parseCompress(p *parser) compressArgs {
	p.sp()
	a := compressArgs{mechanism: strings.ToUpper(p.atom())}
	p.end()
	return a
}

func runCompress(s *session, c *command, a compressArgs) {
	if _, ok := s.conn.(*deflateConn); ok {
		// RFC 4978 §3: a second COMPRESS gets NO [COMPRESSIONACTIVE].
		xno("COMPRESSIONACTIVE", "COMPRESS: DEFLATE is already active")
	}
	if a.mechanism != "DEFLATE" {
		xbad("COMPRESS: unknown mechanism %s", a.mechanism)
	}
	// The OK goes out uncompressed; everything after it, both ways, is
	// compressed (RFC 4978 §3).
	s.writef("%s OK DEFLATE active", c.tag)
	if err := s.out.flush(); err != nil {
		panic(connError{err})
	}
	c.answered = true
	dc, err := newDeflateConn(s.conn, s.in.r)
	if err != nil {
		panic(connError{err})
	}
	s.conn = dc
	s.out.setConn(dc)
	// The old reader stays under the inflater: it may already hold
	// compressed bytes a client sent straight after COMPRESS.
	s.in.r = bufio.NewReaderSize(dc, 4<<10)
}

// deflateConn is a net.Conn whose reads inflate what arrives and whose
// writes deflate what is sent. Writes are buffered in the compressor until
// Flush, which the session's output calls at the end of every burst of
// responses, so the client sees each answer at once (RFC 4978 §4 asks the
// server to flush so that the client is never left waiting).
type deflateConn struct {
	net.Conn
	r *inflater
	w *flate.Writer
	// out gathers the compressor's output: flate.Writer writes in pieces
	// of a few hundred bytes, one system call and one packet each without
	// it.
	out *bufio.Writer
}

// deflaters keeps compressors between sessions: a new one costs about
// 0.4 ms and most of a megabyte, for every session that compresses.
var deflaters sync.Pool

// newDeflateConn wraps c; compressed is where inbound bytes come from (the
// session's existing reader over c, which may hold some already).
func newDeflateConn(c net.Conn, compressed *bufio.Reader) (*deflateConn, error) {
	out := bufio.NewWriterSize(c, 16<<10)
	w, _ := deflaters.Get().(*flate.Writer)
	if w != nil {
		w.Reset(out)
	} else {
		var err error
		if w, err = flate.NewWriter(out, compressLevel); err != nil {
			return nil, fmt.Errorf("deflate writer: %w", err)
		}
	}
	return &deflateConn{Conn: c, r: newInflater(compressed), w: w, out: out}, nil
}

func (d *deflateConn) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	if errors.Is(err, errInflate) {
		err = errCorruptCompression{err}
	}
	return n, err
}

func (d *deflateConn) Write(b []byte) (int, error) { return d.w.Write(b) }

// Flush sends everything written so far, ending on a byte boundary
// (a sync flush) so that the client can inflate all of it now.
func (d *deflateConn) Flush() error {
	if err := d.w.Flush(); err != nil {
		return err
	}
	return d.out.Flush()
}

// closeGrace bounds how long Close waits to end the stream for a client
// that does not read.
const closeGrace = time.Second

// Close ends the stream with a final block, so that the client's inflater
// sees a complete stream rather than a cut one, then closes the
// connection and keeps the compressor for another session.
func (d *deflateConn) Close() error {
	if d.w == nil {
		return d.Conn.Close()
	}
	d.Conn.SetWriteDeadline(time.Now().Add(closeGrace))
	if d.w.Close() == nil {
		d.out.Flush()
	}
	d.w.Reset(io.Discard)
	deflaters.Put(d.w)
	// Once in the pool the compressor is another session's: a second
	// Close must not put it there again.
	d.w = nil
	return d.Conn.Close()
}

// errCorruptCompression: the client's stream does not inflate; the session
// ends with BYE, since nothing more it sends can be read.
type errCorruptCompression struct{ err error }

// corruptCompressionBye ends a session whose inbound stream could not be
// inflated, with a BYE saying why; false when err is another failure.
func (s *session) corruptCompressionBye(err error) bool {
	var ce errCorruptCompression
	if !errors.As(err, &ce) {
		return false
	}
	s.log.Info("COMPRESS: corrupt inbound stream", "err", err)
	s.bye("Corrupt DEFLATE stream")
	return true
}

func (e errCorruptCompression) Error() string { return "corrupt DEFLATE stream: " + e.err.Error() }
func (e errCorruptCompression) Unwrap() error { return e.err }
