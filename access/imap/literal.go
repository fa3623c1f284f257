package imap

import (
	"bytes"
	"io"
)

// Literals (RFC 9051 §4.3): "{n}" asks for "+" before the client sends n
// octets, "{n+}" (LITERAL+, RFC 7888) does not; "~{n}" is BINARY's
// literal8 (RFC 3516). A literal always ends its line; the command goes on
// in the line after it.

// literalHeader reads "{n}" or "{n+}" (and "~{...}" when binary is allowed)
// that must end the line, returning the size.
func (p *parser) literalHeader(binary bool) (n int64, nonSync, isBinary bool) {
	if binary && p.maybe('~') {
		isBinary = true
	}
	p.expect('{')
	n = p.number64()
	nonSync = p.maybe('+')
	p.expect('}')
	if !p.atEnd() {
		xbad("literal must end the line")
	}
	return n, nonSync, isBinary
}

// refuseLiteral ends a command whose literal we will not take: a
// synchronizing one is never sent (we say no "+"), a non-synchronizing one
// is on its way and is skipped by drain.
func (p *parser) refuseLiteral(code, format string, args ...any) {
	if code == "" {
		xbad(format, args...)
	}
	xno(code, format, args...)
}

// readLiteral reads a literal's n bytes into a buffer that grows as they
// arrive, so that a claimed size costs memory only once sent, then reads
// the line that follows.
func (p *parser) readLiteral(n int64, nonSync bool) []byte {
	if !nonSync && p.in.cont != nil {
		if err := p.in.cont(); err != nil {
			panic(connError{err})
		}
	}
	var buf bytes.Buffer
	buf.Grow(int(min(n, 64<<10)))
	if _, err := io.CopyN(&buf, p.in.r, n); err != nil {
		panic(connError{err})
	}
	p.pos = 0
	var err error
	p.line, p.tail, err = p.in.readLine(p.line)
	if err == errLineTooLong {
		xbad("line too long")
	}
	if err != nil {
		panic(connError{err})
	}
	p.count(int64(len(p.line)) + 2)
	return buf.Bytes()
}

// literal reads a literal as a string, within litMax and litTotal.
func (p *parser) literal() string {
	n, nonSync, _ := p.literalHeader(false)
	if n > p.litMax || p.litRead+n > p.litTotal {
		p.refuseLiteral("", "literal of %d bytes too large", n)
	}
	p.count(n)
	p.litRead += n
	return string(p.readLiteral(n, nonSync))
}

// drain skips what is left of a command after an error: the rest of the line
// is already read, but a non-synchronizing literal it announces is coming
// anyway and must not be taken for a command (RFC 7888 §4). A synchronizing
// literal is not sent, since we never say "+".
func (p *parser) drain() {
	for {
		end := p.line
		if p.tail != nil {
			end = p.tail
		}
		n, nonSync, ok := literalAtEnd(end)
		if !ok || !nonSync {
			return
		}
		if err := p.in.discard(n); err != nil {
			panic(connError{err})
		}
		p.pos = 0
		var err error
		p.line, p.tail, err = p.in.readLine(p.line)
		if err != nil && err != errLineTooLong {
			panic(connError{err})
		}
		if p.in.skipped != nil {
			p.in.skipped.Add(n + int64(len(p.line)) + 2)
		}
	}
}
