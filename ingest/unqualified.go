package ingest

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync/atomic"
)

// unqualifiedDomain marks a recipient the MTA sent without a domain
// ("RCPT TO:<bob>"), as Cyrus's deliver and many MTA setups do. go-smtp's
// path parser insists on an '@', so the connection below adds this domain
// (reserved by RFC 2606, so no real recipient has it) before go-smtp sees
// the command, and resolve takes it off again.
const unqualifiedDomain = "unqualified.invalid"

// qualifyingConn qualifies bare-local-part RCPT TO paths on their way to
// go-smtp. It must never touch message content, so it follows the
// protocol: a DATA command enters data mode only once the server has
// answered it 354 (a refused DATA leaves the next line a command), data
// ends at the line "."; a BDAT command's chunk (RFC 3030) passes by count.
// It hands go-smtp at most one command line per Read, so go-smtp has
// answered a command before the next one is looked at.
type qualifyingConn struct {
	net.Conn
	br        *bufio.Reader
	pending   []byte // the rest of a line go-smtp's buffer had no room for
	afterDATA bool   // the last command line was DATA
	inData    bool
	lineStart bool // in data mode, the next byte starts a line
	midLine   bool // in command mode, the rest of an over-long line comes next
	bdatLeft  int64
	last354   atomic.Bool // the server's latest reply was 354
}

func newQualifyingConn(c net.Conn) *qualifyingConn {
	// Commands are short (RFC 5321 §4.5.3.1.4: 512 octets); a longer
	// line, only ever message content, passes through in pieces.
	return &qualifyingConn{Conn: c, br: bufio.NewReaderSize(c, 8<<10)}
}

func (q *qualifyingConn) Write(p []byte) (int, error) {
	q.last354.Store(bytes.HasPrefix(lastLine(p), []byte("354")))
	return q.Conn.Write(p)
}

// lastLine is the last complete reply line of p.
func lastLine(p []byte) []byte {
	p = bytes.TrimRight(p, "\r\n")
	if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (q *qualifyingConn) Read(p []byte) (int, error) {
	if len(q.pending) > 0 {
		n := copy(p, q.pending)
		q.pending = q.pending[n:]
		return n, nil
	}
	if q.bdatLeft > 0 {
		if int64(len(p)) > q.bdatLeft {
			p = p[:q.bdatLeft]
		}
		n, err := q.br.Read(p)
		q.bdatLeft -= int64(n)
		return n, err
	}
	if q.afterDATA {
		q.afterDATA = false
		q.inData, q.lineStart = q.last354.Load(), true
	}
	if q.inData {
		return q.readData(p)
	}
	line, err := q.br.ReadSlice('\n')
	if len(line) == 0 {
		return 0, err
	}
	switch {
	case err == bufio.ErrBufferFull:
		// Longer than any command: go-smtp refuses it whole, and its
		// tail is no command either.
		err, q.midLine = nil, true
	case q.midLine:
		q.midLine = false
	default:
		line = q.command(line)
	}
	n := copy(p, line)
	if n < len(line) {
		// The error, if any, comes again with the next read.
		q.pending = append(q.pending[:0], line[n:]...)
		return n, nil
	}
	return n, err
}

// readData hands on message content in blocks of what is buffered, up to
// and including the terminating "." line (RFC 5321 §4.5.2), never past it.
// A block ends at a line end unless one line fills it, and a line that
// starts with "." is read whole first, so no terminator is ever split.
func (q *qualifyingConn) readData(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	first, err := q.br.Peek(1)
	if err != nil {
		return 0, err
	}
	if q.lineStart && first[0] == '.' {
		line, err := q.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		if string(line) == ".\r\n" || string(line) == ".\n" {
			q.inData = false
		}
		q.lineStart = len(line) > 0 && line[len(line)-1] == '\n'
		n := copy(p, line)
		if n < len(line) {
			q.pending = append(q.pending[:0], line[n:]...)
			return n, nil
		}
		return n, err
	}
	buf, _ := q.br.Peek(min(q.br.Buffered(), len(p)))
	end := len(buf)
	if i := dataEnd(buf); i >= 0 {
		end, q.inData = i, false
	} else if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		end = i + 1
	}
	n := copy(p, buf[:end])
	q.br.Discard(n)
	q.lineStart = p[n-1] == '\n'
	return n, nil
}

// dataEnd is where the terminating "." line inside buf ends, or -1.
func dataEnd(buf []byte) int {
	end := -1
	for _, term := range []string{"\n.\r\n", "\n.\n"} {
		if i := bytes.Index(buf, []byte(term)); i >= 0 && (end < 0 || i+len(term) < end) {
			end = i + len(term)
		}
	}
	return end
}

// command looks at one command line: it qualifies a bare RCPT TO path
// and notes DATA and BDAT, whose content must pass untouched.
func (q *qualifyingConn) command(line []byte) []byte {
	verb, rest, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(" "))
	switch {
	case bytes.EqualFold(verb, []byte("DATA")) && len(rest) == 0:
		q.afterDATA = true
	case bytes.EqualFold(verb, []byte("BDAT")):
		size, _, _ := bytes.Cut(rest, []byte(" "))
		if n, err := strconv.ParseInt(string(size), 10, 64); err == nil && n > 0 {
			q.bdatLeft = n
		}
	case bytes.EqualFold(verb, []byte("RCPT")):
		return qualifyRcpt(line)
	}
	return line
}

// qualifyRcpt rewrites "RCPT TO:<local>..." to "RCPT TO:<local@unqualified.invalid>..."
// when the path has no '@' at all; anything else is left for go-smtp to
// judge.
func qualifyRcpt(line []byte) []byte {
	const prefix = "RCPT TO:"
	if len(line) < len(prefix) || !bytes.EqualFold(line[:len(prefix)], []byte(prefix)) {
		return line
	}
	i := len(prefix)
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == len(line) || line[i] != '<' {
		return line
	}
	end := bytes.IndexByte(line[i:], '>')
	if end < 0 {
		return line
	}
	end += i
	path := line[i+1 : end]
	if len(path) == 0 || bytes.ContainsAny(path, "@<") {
		return line
	}
	out := make([]byte, 0, len(line)+len(unqualifiedDomain)+1)
	out = append(out, line[:end]...)
	out = append(out, '@')
	out = append(out, unqualifiedDomain...)
	return append(out, line[end:]...)
}
