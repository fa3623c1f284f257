package imap

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync/atomic"
)

// input reads the client's byte stream: lines ending in CRLF (bare LF is
// accepted) and the literals a line announces at its end (RFC 9051 §4.3).
type input struct {
	r       *bufio.Reader
	maxLine int
	// cont sends "+ Ready" before a synchronizing literal is read
	// (RFC 9051 §7.5); nil in the fuzz harness.
	cont func() error
	// skipped counts the bytes drain passes over without parsing them
	// (the server's total, for tests and operators); nil = not counted.
	skipped *atomic.Int64
}

var errLineTooLong = errors.New("line too long")

// connError carries a read or write failure of the connection itself; the
// session ends without a reply, since the client cannot read one.
type connError struct{ err error }

func (e connError) Error() string { return e.err.Error() }

// readLine reads one line into buf (without its line end). A line longer
// than maxLine is consumed to its end; the first maxLine bytes are returned
// with errLineTooLong, and tail holds its last bytes so that a literal it
// announces can still be skipped.
func (in *input) readLine(buf []byte) (line, tail []byte, err error) {
	buf = buf[:0]
	over := false
	for {
		chunk, err := in.r.ReadSlice('\n')
		if !over {
			if len(buf)+len(chunk) > in.maxLine+2 {
				over = true
				room := in.maxLine - len(buf)
				if room > 0 {
					buf = append(buf, chunk[:room]...)
				}
			} else {
				buf = append(buf, chunk...)
			}
		}
		if over {
			tail = keepTail(tail, chunk)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return buf, nil, err
		}
	}
	if over {
		return buf, trimEOL(tail), errLineTooLong
	}
	return trimEOL(buf), nil, nil
}

// keepTail keeps the last 32 bytes seen: enough for "{4294967295+}".
func keepTail(tail, chunk []byte) []byte {
	tail = append(tail, chunk...)
	if len(tail) > 32 {
		tail = append(tail[:0], tail[len(tail)-32:]...)
	}
	return tail
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// literalAtEnd reports the literal a line announces at its end:
// "{n}", "{n+}" (RFC 7888) or the literal8 forms "~{n}", "~{n+}" (RFC 3516).
func literalAtEnd(line []byte) (n int64, nonSync, ok bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false, false
	}
	i := bytes.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false, false
	}
	digits := line[i+1 : len(line)-1]
	if len(digits) > 0 && digits[len(digits)-1] == '+' {
		nonSync = true
		digits = digits[:len(digits)-1]
	}
	v, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || v < 0 || len(digits) == 0 || digits[0] == '+' {
		return 0, false, false
	}
	return v, nonSync, true
}

// discard skips n bytes of a literal the client sends whatever we answer
// (a non-synchronizing one).
func (in *input) discard(n int64) error {
	_, err := io.CopyN(io.Discard, in.r, n)
	return err
}
