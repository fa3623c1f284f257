package managesieve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// token is one argument of a command.
type token struct {
	kind tokenKind
	text string
	// size is the announced length of a literal the reader skipped
	// because it was over the limit (text is then empty).
	size int64
}

type tokenKind int

const (
	tokAtom tokenKind = iota
	tokString
	tokNumber
	// tokTooBig is a literal over maxLiteral, read and dropped.
	tokTooBig
)

// errBadSyntax is a command the reader could not split into tokens; the
// session answers NO and reads the next line.
type errBadSyntax struct{ msg string }

func (e errBadSyntax) Error() string { return e.msg }

// errLineTooLong ends a session whose line has no end in sight.
var errLineTooLong = errors.New("line too long")

// reader splits the client's input into commands.
type reader struct {
	r *bufio.Reader
	// maxLine bounds one line of a command (not its literals).
	maxLine int
	// maxLiteral bounds a literal kept in memory; a larger one is read
	// and dropped (tokTooBig), up to maxSkip; past that the session ends.
	maxLiteral int64
	maxSkip    int64
}

// readCommand reads one command: its tokens up to the CRLF that ends it.
// A syntax error leaves the rest of the line consumed.
func (rd *reader) readCommand() ([]token, error) {
	var toks []token
	for {
		line, err := rd.readLine()
		if err != nil {
			return nil, err
		}
		tail, err := tokenize(line, &toks)
		if err != nil {
			// A literal announced on the bad line is still coming: drop
			// it, so that a script's text is never read as commands.
			if n, ok := trailingLiteral(line); ok && n <= rd.maxSkip {
				if _, cerr := io.CopyN(io.Discard, rd.r, n); cerr != nil {
					return nil, cerr
				}
			}
			return nil, err
		}
		if tail == nil {
			return toks, nil
		}
		// The line ended with a literal's header: its octets follow.
		if tail.size > rd.maxLiteral {
			if tail.size > rd.maxSkip {
				return nil, fmt.Errorf("literal of %d octets", tail.size)
			}
			if _, err := io.CopyN(io.Discard, rd.r, tail.size); err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokTooBig, size: tail.size})
		} else {
			buf := make([]byte, tail.size)
			if _, err := io.ReadFull(rd.r, buf); err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: string(buf)})
		}
	}
}

// readLine reads a line without its CRLF (a bare LF is taken too).
func (rd *reader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := rd.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > rd.maxLine {
			return nil, errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// literalHeader is a "{N+}" or "{N}" that ends a line.
type literalHeader struct{ size int64 }

// tokenize appends the tokens of one line to toks. When the line ends in
// a literal's header it returns that header; the caller reads the octets
// and then the line that continues the command.
func tokenize(line []byte, toks *[]token) (*literalHeader, error) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			return nil, nil
		}
		switch c := line[i]; {
		case c == '"':
			s, n, err := quoted(line[i:])
			if err != nil {
				return nil, err
			}
			*toks = append(*toks, token{kind: tokString, text: s})
			i += n
		case c == '{':
			end := i + 1
			for end < len(line) && line[end] != '}' {
				end++
			}
			if end != len(line)-1 {
				return nil, errBadSyntax{"a literal's {size} must end its line"}
			}
			num := string(line[i+1 : end])
			if len(num) > 0 && num[len(num)-1] == '+' {
				num = num[:len(num)-1]
			}
			size, err := strconv.ParseInt(num, 10, 64)
			if err != nil || size < 0 {
				return nil, errBadSyntax{"bad literal size"}
			}
			return &literalHeader{size: size}, nil
		case c >= '0' && c <= '9':
			start := i
			for i < len(line) && line[i] >= '0' && line[i] <= '9' {
				i++
			}
			*toks = append(*toks, token{kind: tokNumber, text: string(line[start:i])})
		case isAtomChar(c):
			start := i
			for i < len(line) && isAtomChar(line[i]) {
				i++
			}
			*toks = append(*toks, token{kind: tokAtom, text: string(line[start:i])})
		default:
			return nil, errBadSyntax{fmt.Sprintf("unexpected %q", c)}
		}
		if i < len(line) && line[i] != ' ' {
			return nil, errBadSyntax{"arguments must be separated by a space"}
		}
	}
}

// quoted reads a quoted string (RFC 5804 §4: "\" escapes only "\" and
// DQUOTE; no CR or LF inside) and returns it and the bytes it took.
func quoted(b []byte) (string, int, error) {
	var out []byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			return string(out), i + 1, nil
		case '\\':
			if i+1 == len(b) || (b[i+1] != '\\' && b[i+1] != '"') {
				return "", 0, errBadSyntax{`bad escape in a quoted string`}
			}
			i++
			out = append(out, b[i])
		case 0:
			return "", 0, errBadSyntax{"NUL in a quoted string"}
		default:
			out = append(out, c)
		}
	}
	return "", 0, errBadSyntax{"unterminated quoted string"}
}

func isAtomChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '{' && c != '}' && c != '(' && c != ')' && c != '\\'
}

// trailingLiteral finds a "{N+}" or "{N}" at the end of a line.
func trailingLiteral(line []byte) (int64, bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false
	}
	open := len(line) - 2
	for open >= 0 && line[open] != '{' {
		open--
	}
	if open < 0 {
		return 0, false
	}
	num := string(line[open+1 : len(line)-1])
	if len(num) > 0 && num[len(num)-1] == '+' {
		num = num[:len(num)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, err == nil && n >= 0
}
