package imap

import (
	"strconv"
	"strings"
)

// parser reads one command: its first line, then, each time a line ends in
// a literal, the literal and the line after it. Every method panics with a
// badError naming what was expected, or a connError when the connection
// fails; the session recovers both.
type parser struct {
	in   *input
	line []byte
	pos  int
	// tail is the end of an over-long line (see input.readLine), for drain.
	tail []byte

	// litMax bounds one literal read as a string (mailbox names, search
	// strings); litTotal bounds all of them in one command.
	litMax   int64
	litTotal int64
	litRead  int64
	// appendMax bounds a message of APPEND (APPENDLIMIT); 0 = none.
	appendMax int64
	// metadataMax bounds one SETMETADATA value (imap_metadata_maxsize),
	// so that a literal over it is refused before it is sent; 0 = none.
	metadataMax int64
	// multiAppendMax bounds all the messages of one MULTIAPPEND, which
	// the store takes in memory at once; 0 = none.
	multiAppendMax int64

	// maxCommand bounds the bytes of one command: its lines (line ends
	// included) and its string literals, APPEND's messages excepted
	// (appendMax and multiAppendMax bound those); 0 = none. maxLine and
	// litTotal alone do not bound a command, since zero-length literals
	// ("{0+}") let it go on for any number of lines, each parsed into
	// what the command keeps (search keys, flags, sequence sets).
	maxCommand int64
	cmdSize    int64
	// tooBigNo: the command answers an over-long command with NO [TOOBIG]
	// rather than BAD (APPEND, after RFC 7889 §3 and RFC 9051 §7.1).
	tooBigNo bool

	// cleanup runs when the command is done (APPEND's spool files).
	cleanup []func()
}

const (
	defaultMaxLine  = 64 << 10
	defaultLitMax   = 64 << 10
	defaultLitTotal = 1 << 20
)

// defaultMultiAppendMax: a MULTIAPPEND is committed in one store call with
// every message in memory, so the total is bounded.
const defaultMultiAppendMax = 256 << 20

func newParser(in *input) *parser {
	return &parser{in: in, litMax: defaultLitMax, litTotal: defaultLitTotal, multiAppendMax: defaultMultiAppendMax}
}

// next reads the first line of a command. It returns io errors as they are,
// so that the session can tell a closed connection from a protocol error.
func (p *parser) next() error {
	p.pos, p.tail, p.litRead, p.cmdSize, p.tooBigNo = 0, nil, 0, 0, false
	var err error
	p.line, p.tail, err = p.in.readLine(p.line)
	// Not checked against maxCommand here, outside the command's recover;
	// a first line is at most maxLine, and the next line or literal checks.
	p.cmdSize = int64(len(p.line)) + 2
	return err
}

// count adds n bytes to the command's size and refuses the command once
// it is over maxCommand. What is left of it is then skipped by drain
// without being parsed or kept.
func (p *parser) count(n int64) {
	p.cmdSize += n
	if p.maxCommand <= 0 || p.cmdSize <= p.maxCommand {
		return
	}
	if p.tooBigNo {
		xno("TOOBIG", "command exceeds the limit of %d bytes", p.maxCommand)
	}
	xbad("command exceeds the limit of %d bytes", p.maxCommand)
}

// done runs the command's cleanups and lets go of a big line buffer, so
// that an idle session holds no more than a small one.
func (p *parser) done() {
	for _, f := range p.cleanup {
		f()
	}
	p.cleanup = nil
	if cap(p.line) > 8<<10 {
		p.line = nil
	}
}

func (p *parser) rest() []byte { return p.line[p.pos:] }

func (p *parser) atEnd() bool { return p.pos >= len(p.line) }

func (p *parser) peek() byte {
	if p.atEnd() {
		return 0
	}
	return p.line[p.pos]
}

// context shows where parsing stopped, for the BAD text.
func (p *parser) context() string {
	r := p.rest()
	if len(r) == 0 {
		return "end of line"
	}
	if len(r) > 20 {
		r = r[:20]
	}
	return strconv.Quote(string(r))
}

func (p *parser) expected(what string) {
	xbad("expected %s at %s", what, p.context())
}

// end checks that the command is complete.
func (p *parser) end() {
	if !p.atEnd() {
		p.expected("end of command")
	}
}

func (p *parser) sp() {
	if p.peek() != ' ' {
		p.expected("space")
	}
	p.pos++
}

// maybe consumes c if it comes next.
func (p *parser) maybe(c byte) bool {
	if p.peek() == c && !p.atEnd() {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(c byte) {
	if !p.maybe(c) {
		p.expected(strconv.QuoteRune(rune(c)))
	}
}

// maybeWord consumes a keyword (case-insensitive) when it comes next and is
// not the start of a longer atom.
func (p *parser) maybeWord(w string) bool {
	r := p.rest()
	if len(r) < len(w) || !strings.EqualFold(string(r[:len(w)]), w) {
		return false
	}
	if len(r) > len(w) && isAtomChar(r[len(w)]) {
		return false
	}
	p.pos += len(w)
	return true
}

// maybePrefix consumes s (case-insensitive) when it comes next, whatever
// follows it; for keywords glued to brackets like "BODY[".
func (p *parser) maybePrefix(s string) bool {
	r := p.rest()
	if len(r) < len(s) || !strings.EqualFold(string(r[:len(s)]), s) {
		return false
	}
	p.pos += len(s)
	return true
}

// isAtomChar: any CHAR except atom-specials (RFC 9051 §9: "(" ")" "{" SP
// CTL "%" "*" DQUOTE "\" "]").
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// isAstringChar adds "]" (resp-specials) and, leniently, 8-bit bytes, so
// that an unquoted UTF-8 mailbox name from a UTF8=ACCEPT client is read.
func isAstringChar(c byte) bool {
	return isAtomChar(c) || c == ']' || c >= 0x80
}

// isListChar adds the list wildcards (RFC 9051 §9 list-char).
func isListChar(c byte) bool {
	return isAstringChar(c) || c == '%' || c == '*'
}

func (p *parser) takeWhile(ok func(byte) bool) string {
	start := p.pos
	for p.pos < len(p.line) && ok(p.line[p.pos]) {
		p.pos++
	}
	return string(p.line[start:p.pos])
}

// atom reads an atom.
func (p *parser) atom() string {
	s := p.takeWhile(isAtomChar)
	if s == "" {
		p.expected("atom")
	}
	return s
}

// tag reads a command tag: astring-chars except "+" (RFC 9051 §9).
func (p *parser) tag() string {
	s := p.takeWhile(func(c byte) bool { return isAstringChar(c) && c != '+' && c < 0x80 })
	if s == "" {
		p.expected("tag")
	}
	return s
}

// number reads a 32-bit number (RFC 9051 §9 number).
func (p *parser) number() uint32 {
	v := p.number64()
	if v > 1<<32-1 {
		xbad("number %d too large", v)
	}
	return uint32(v)
}

// nzNumber reads a non-zero 32-bit number.
func (p *parser) nzNumber() uint32 {
	v := p.number()
	if v == 0 {
		xbad("expected non-zero number")
	}
	return v
}

// number64 reads a number up to 2^63-1 (RFC 9051 §9 number64).
func (p *parser) number64() int64 {
	s := p.takeWhile(func(c byte) bool { return c >= '0' && c <= '9' })
	if s == "" {
		p.expected("number")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		xbad("number %s out of range", s)
	}
	return v
}

// quoted reads a quoted string; only \" and \\ may be escaped.
func (p *parser) quoted() string {
	p.expect('"')
	var b []byte
	for {
		if p.atEnd() {
			xbad("unterminated quoted string")
		}
		c := p.line[p.pos]
		p.pos++
		switch c {
		case '"':
			return string(b)
		case '\\':
			if p.atEnd() || (p.line[p.pos] != '"' && p.line[p.pos] != '\\') {
				xbad("bad escape in quoted string")
			}
			b = append(b, p.line[p.pos])
			p.pos++
		case '\r', '\n', 0:
			xbad("control character in quoted string")
		default:
			b = append(b, c)
		}
	}
}

// str reads a string: quoted or literal (RFC 9051 §9 string).
func (p *parser) str() string {
	switch p.peek() {
	case '"':
		return p.quoted()
	case '{':
		return p.literal()
	}
	p.expected("string")
	return ""
}

// astring reads an atom, quoted string or literal.
func (p *parser) astring() string {
	switch p.peek() {
	case '"', '{':
		return p.str()
	}
	s := p.takeWhile(isAstringChar)
	if s == "" {
		p.expected("string")
	}
	return s
}

// nstring reads a string or NIL; ok is false for NIL.
func (p *parser) nstring() (s string, ok bool) {
	if p.maybeWord("NIL") {
		return "", false
	}
	return p.str(), true
}

// listMailbox reads a LIST pattern: list-chars or a string.
func (p *parser) listMailbox() string {
	switch p.peek() {
	case '"', '{':
		return p.str()
	}
	s := p.takeWhile(isListChar)
	if s == "" {
		p.expected("mailbox pattern")
	}
	return s
}

// list reads "(" elem *(SP elem) ")"; with empty true, "()" is allowed.
func (p *parser) list(empty bool, elem func()) {
	p.expect('(')
	if p.maybe(')') {
		if !empty {
			xbad("empty list")
		}
		return
	}
	for {
		elem()
		if p.maybe(')') {
			return
		}
		p.sp()
	}
}
