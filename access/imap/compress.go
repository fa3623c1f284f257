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

// How a burst of responses (what goes out between two flushes) is
// compressed depends on its size and on how well LZ77 does on it, measured
// on what the IMAP mix sends (see BenchmarkFetchCompress,
// BenchmarkCompressSmall, BenchmarkDeflateWrite):
//
//   - up to smallBurst bytes (a tagged OK, an EXISTS) it goes as a stored
//     block and the empty one of a sync flush: compress/flate would spend
//     some 20 µs building Huffman codes for it and save a few bytes (it
//     keeps no LZ77 history for blocks that small either);
//   - the first bulkBurst bytes of a burst go through flate.BestSpeed
//     (LZ77 and Huffman codes);
//   - then BestSpeed's output so far is looked at. Where it came to at most
//     1/lzShrink of its input, the text repeats itself (a FETCH 1:* of
//     ENVELOPE and FLAGS: 7.6% of its size) and BestSpeed stays on, looked
//     at again every reprobeBurst bytes: on such text it is also the
//     cheaper encoder (it skips what it matched; 1.9 ns a byte against
//     Huffman-only's 3.2 on that machine), and the client has an eighth of
//     the bytes and far fewer codes to inflate. Elsewhere (message bodies:
//     BestSpeed 34%, 7 ns a byte) the rest of the burst goes Huffman-only
//     (flate.HuffmanOnly: 52%, 3 ns a byte), so that a large FETCH of
//     bodies costs little more than it does uncompressed.
const (
	smallBurst   = 128
	bulkBurst    = 16 << 10
	reprobeBurst = 256 << 10
	lzShrink     = 5
)

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
// writes deflate what is sent. Writes are held until Flush, which the
// session's output calls at the end of every burst of responses, so the
// client sees each answer at once (RFC 4978 §4 asks the server to flush
// so that the client is never left waiting). Every burst ends on a byte
// boundary, which is what lets its blocks come from different encoders.
type deflateConn struct {
	net.Conn
	r *inflater
	// fast and huff are the two encoders over enc; cur is the one the
	// burst uses now, nil while the burst is still small and held in
	// small.
	fast, huff *flate.Writer
	cur        *flate.Writer
	small      []byte
	// burst counts the bytes of this burst given to the encoders.
	burst int
	// While cur is fast: at probeAt bytes of the burst BestSpeed's ratio
	// over the bytes since probeFrom (which came to enc.n-encodedAt) is
	// looked at.
	probeAt, probeFrom int
	encodedAt          int64
	// fastStale: the client has inflated bytes fast did not write (a
	// stored or Huffman-only block), so fast's LZ77 history no longer
	// lines up with the client's window and must be dropped first.
	fastStale bool
	// out gathers the encoders' output: flate.Writer writes in pieces of
	// a few hundred bytes, one system call and one packet each without
	// it. enc is out, counting what the encoders put there.
	out *bufio.Writer
	enc countingWriter
}

// countingWriter counts the bytes the encoders write, for the probe.
type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// fastWriters and huffWriters keep encoders between sessions: a new
// BestSpeed one costs about 0.4 ms and most of a megabyte.
var fastWriters, huffWriters sync.Pool

func pooledWriter(p *sync.Pool, level int, w io.Writer) (*flate.Writer, error) {
	if fw, _ := p.Get().(*flate.Writer); fw != nil {
		fw.Reset(w)
		return fw, nil
	}
	fw, err := flate.NewWriter(w, level)
	if err != nil {
		return nil, fmt.Errorf("deflate writer: %w", err)
	}
	return fw, nil
}

// newDeflateConn wraps c; compressed is where inbound bytes come from (the
// session's existing reader over c, which may hold some already).
func newDeflateConn(c net.Conn, compressed *bufio.Reader) (*deflateConn, error) {
	d := &deflateConn{Conn: c, r: newInflater(compressed), small: make([]byte, 0, smallBurst),
		out: bufio.NewWriterSize(c, 16<<10)}
	d.enc.w = d.out
	var err error
	if d.fast, err = pooledWriter(&fastWriters, flate.BestSpeed, &d.enc); err != nil {
		return nil, err
	}
	if d.huff, err = pooledWriter(&huffWriters, flate.HuffmanOnly, &d.enc); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *deflateConn) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	if errors.Is(err, errInflate) {
		err = errCorruptCompression{err}
	}
	return n, err
}

func (d *deflateConn) Write(b []byte) (int, error) {
	if d.fast == nil {
		return 0, net.ErrClosed
	}
	if d.cur == nil {
		if len(d.small)+len(b) <= smallBurst {
			d.small = append(d.small, b...)
			return len(b), nil
		}
		if err := d.startFast(); err != nil {
			return 0, err
		}
	}
	n := 0
	for len(b) > 0 {
		chunk := b
		if d.cur == d.fast {
			room := d.probeAt - d.burst
			if room <= 0 {
				if err := d.probe(); err != nil {
					return n, err
				}
				continue
			}
			// A big write is cut at the probe, so that it is judged on
			// its first part rather than all sent one way.
			chunk = chunk[:min(len(chunk), room)]
		}
		k, err := d.cur.Write(chunk)
		n += k
		d.burst += k
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}

// startFast begins a burst that is more than small: BestSpeed from its
// start, with what small holds.
func (d *deflateConn) startFast() error {
	if d.fastStale {
		d.fast.Reset(&d.enc)
		d.fastStale = false
	}
	d.cur = d.fast
	d.probeAt, d.probeFrom, d.encodedAt = bulkBurst, 0, d.enc.n
	if len(d.small) > 0 {
		if _, err := d.fast.Write(d.small); err != nil {
			return err
		}
		d.burst = len(d.small)
		d.small = d.small[:0]
	}
	return nil
}

// probe ends BestSpeed's block (a sync flush, on a byte boundary) and
// keeps BestSpeed for the burst where it shrank the text since the last
// probe to 1/lzShrink or less; otherwise the rest of the burst goes
// Huffman-only.
func (d *deflateConn) probe() error {
	if err := d.fast.Flush(); err != nil {
		return err
	}
	in, out := int64(d.burst-d.probeFrom), d.enc.n-d.encodedAt
	if out*lzShrink <= in {
		d.probeAt, d.probeFrom, d.encodedAt = d.burst+reprobeBurst, d.burst, d.enc.n
		return nil
	}
	d.cur, d.fastStale = d.huff, true
	return nil
}

// endBurst puts out what the burst holds, ending on a byte boundary: the
// encoder's sync flush (an empty stored block), or the small burst as a
// stored block.
func (d *deflateConn) endBurst() error {
	if d.cur != nil {
		err := d.cur.Flush()
		d.cur, d.burst = nil, 0
		return err
	}
	if len(d.small) > 0 {
		// The empty stored block after it is the sync flush's marker:
		// inflaters such as Go's hand out a block's bytes only when the
		// next block begins.
		d.storedBlock(d.small, false)
		err := d.storedBlock(nil, false)
		d.small = d.small[:0]
		d.fastStale = true
		return err
	}
	return nil
}

// storedBlock writes b (at most 65535 bytes) as a stored block (RFC 1951
// §3.2.4), the stream being on a byte boundary: the header's three bits
// and their padding, LEN and its complement, and the bytes as they are.
func (d *deflateConn) storedBlock(b []byte, final bool) error {
	bfinal := byte(0)
	if final {
		bfinal = 1
	}
	n := uint16(len(b))
	// Byte by byte: an array handed to Write would be allocated.
	for _, c := range [...]byte{bfinal, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)} {
		d.out.WriteByte(c)
	}
	_, err := d.out.Write(b)
	return err
}

// Flush sends everything written so far, so that the client can inflate
// all of it now.
func (d *deflateConn) Flush() error {
	if d.fast == nil {
		return net.ErrClosed
	}
	if err := d.endBurst(); err != nil {
		return err
	}
	return d.out.Flush()
}

// closeGrace bounds how long Close waits to end the stream for a client
// that does not read.
const closeGrace = time.Second

// Close ends the stream with a final (empty, stored) block, so that the
// client's inflater sees a complete stream rather than a cut one, then
// closes the connection and keeps the encoders for another session.
func (d *deflateConn) Close() error {
	if d.fast == nil {
		return d.Conn.Close()
	}
	d.Conn.SetWriteDeadline(time.Now().Add(closeGrace))
	if d.endBurst() == nil && d.storedBlock(nil, true) == nil {
		d.out.Flush()
	}
	d.fast.Reset(io.Discard)
	d.huff.Reset(io.Discard)
	fastWriters.Put(d.fast)
	huffWriters.Put(d.huff)
	// Once in the pools the encoders are another session's: a second
	// Close must not put them there again, nor a late Write use them.
	d.fast, d.huff, d.cur = nil, nil, nil
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
