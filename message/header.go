package message

import (
	"bytes"
	"strings"
)

// MaxLineLength is RFC 5322 §2.1.1's limit on a line, without its CRLF:
// ingest refuses a header line longer than this.
const MaxLineLength = 998

// Field is one header field (RFC 5322 §2.2): its name as written, and
// raw[Start:End], all its lines with their line ends. A line that is not
// a field (no colon) is a Field with an empty name, so that the header
// block reads back whole.
type Field struct {
	Name       string
	Start, End int
}

// Header is a header block's fields, in message order.
type Header []Field

// Get returns the unfolded value of the first field called name, any case.
func (h Header) Get(raw []byte, name string) (string, bool) {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value(raw), true
		}
	}
	return "", false
}

// Values returns the unfolded values of every field called name, in order.
func (h Header) Values(raw []byte, name string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value(raw))
		}
	}
	return out
}

// Bytes returns the field as it is in the message, line ends included.
func (f Field) Bytes(raw []byte) []byte { return raw[f.Start:f.End] }

// Value returns the field's unfolded value (RFC 5322 §2.2.3), trimmed,
// not decoded: see DecodeHeader for RFC 2047 encoded words.
func (f Field) Value(raw []byte) string {
	b := raw[f.Start:f.End]
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		b = b[i+1:]
	}
	if eol := bytes.IndexByte(b, '\n'); eol < 0 || eol == len(b)-1 {
		return string(bytes.TrimSpace(b)) // one line: nothing to unfold
	}
	var out []byte
	for len(b) > 0 {
		eol := bytes.IndexByte(b, '\n')
		line := b
		if eol >= 0 {
			line, b = b[:eol], b[eol+1:]
		} else {
			b = nil
		}
		out = append(out, bytes.TrimRight(line, "\r")...)
	}
	return strings.TrimSpace(string(out))
}

// parseFields reads header fields from start up to the empty line, and
// returns where the body begins. A header without an empty line takes the
// whole entity.
func parseFields(raw []byte, start, end int) (Header, int) {
	fields := make(Header, 0, 16)
	pos := start
	for pos < end {
		eol := bytes.IndexByte(raw[pos:end], '\n')
		next := end
		if eol >= 0 {
			next = pos + eol + 1
		}
		line := raw[pos:next]
		if blankLine(line) {
			return fields, next
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1].End = next
		} else {
			name := ""
			if i := bytes.IndexByte(line, ':'); i > 0 {
				name = fieldName(bytes.TrimRight(line[:i], " \t"))
			}
			fields = append(fields, Field{Name: name, Start: pos, End: next})
		}
		pos = next
	}
	return fields, end
}

// HeaderSize returns the length of raw's header block, the empty line
// that ends it included (RFC 5322 §2.1), or len(raw) when there is none.
// It is where Parse puts the body of the message.
func HeaderSize(raw []byte) int {
	for pos := 0; pos < len(raw); {
		next := len(raw)
		if eol := bytes.IndexByte(raw[pos:], '\n'); eol >= 0 {
			next = pos + eol + 1
		}
		if blankLine(raw[pos:next]) {
			return next
		}
		pos = next
	}
	return len(raw)
}

// EachField calls fn with each field of the header block hdr called name,
// any case, in order, until fn returns false. It scans the block without
// building its field list: a search on one field of 100,000 messages
// looks at each line's first bytes and nothing more. It finds the fields
// Parse finds.
func EachField(hdr []byte, name string, fn func(Field) bool) {
	var cur *Field // the named field being extended by continuation lines
	var f Field
	for pos := 0; pos < len(hdr); {
		next := len(hdr)
		if eol := bytes.IndexByte(hdr[pos:], '\n'); eol >= 0 {
			next = pos + eol + 1
		}
		line := hdr[pos:next]
		if blankLine(line) {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur.End = next
			}
			pos = next
			continue
		}
		if cur != nil && !fn(*cur) {
			return
		}
		cur = nil
		if isFieldNamed(line, name) {
			f = Field{Name: name, Start: pos, End: next}
			cur = &f
		}
		pos = next
	}
	if cur != nil {
		fn(*cur)
	}
}

// MessageID returns the value of the message's first Message-ID field
// (RFC 5322 §3.6.4), as written, or "".
func MessageID(raw []byte) string {
	id := ""
	EachField(raw, "Message-ID", func(f Field) bool {
		id = f.Value(raw)
		return false
	})
	return id
}

// isFieldNamed: line starts the field name, any case, before its colon.
func isFieldNamed(line []byte, name string) bool {
	if len(line) <= len(name) || !asciiEqualFold(line[:len(name)], name) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

// asciiEqualFold compares b and s ignoring ASCII case, as field names are
// ASCII (RFC 5322 §2.2), without converting b.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// blankLine: the line holds nothing but its line end. A CR alone counts
// as line end, as ingest counts it when it ends the header.
func blankLine(line []byte) bool {
	for _, c := range line {
		if c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// commonFields are the field names most mail carries, spelled as most
// mail spells them: parsing a header of these allocates no names.
var commonFields = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"Return-Path", "Received", "From", "To", "Cc", "Bcc", "Subject", "Date",
		"Message-ID", "Message-Id", "In-Reply-To", "References", "Reply-To", "Sender", "MIME-Version",
		"Mime-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID",
		"Content-Language", "List-Id", "List-Unsubscribe", "DKIM-Signature", "Authentication-Results",
		"X-Mailer", "User-Agent", "Delivered-To", "X-Original-To", "Thread-Topic", "Thread-Index"} {
		m[n] = n
	}
	return m
}()

// fieldName returns name as a string, shared when it is a common one.
func fieldName(name []byte) string {
	if n, ok := commonFields[string(name)]; ok {
		return n
	}
	return string(name)
}
