package imap

import (
	"bytes"
	"mime"
	"strings"
)

// part is one MIME entity of a message, as byte ranges of the raw message
// (RFC 2045, RFC 2046), so that BODY[section] returns exactly the octets
// stored, and BODYSTRUCTURE sizes are those octets.
type part struct {
	hdrStart, bodyStart, end int
	fields                   []field

	mediaType, subType string            // lower case
	params             map[string]string // Content-Type parameters

	children []*part // multipart/*
	inner    *part   // message/rfc822 and message/global: the message inside
}

// field is one header field: name, and the raw bytes of all its lines
// including the line end.
type field struct {
	name       string
	start, end int
}

// Limits on what a message may make the parser do.
const (
	maxPartDepth = 40
	maxParts     = 5000
)

// parseMessage parses raw as an RFC 5322 message.
func parseMessage(raw []byte) *part {
	count := 0
	return parseEntity(raw, 0, len(raw), "", 0, &count)
}

// parseEntity parses the entity raw[start:end]; parentType is the type of
// the enclosing multipart (multipart/digest changes the default type).
func parseEntity(raw []byte, start, end int, parentType string, depth int, count *int) *part {
	*count++
	p := &part{hdrStart: start}
	p.fields, p.bodyStart = parseHeader(raw, start, end)
	p.end = end
	p.mediaType, p.subType, p.params = "text", "plain", map[string]string{"charset": "us-ascii"}
	if parentType == "multipart/digest" {
		p.mediaType, p.subType, p.params = "message", "rfc822", map[string]string{}
	}
	if v, ok := p.header(raw, "Content-Type"); ok {
		if mt, params, err := mime.ParseMediaType(v); mt != "" && (err == nil || err == mime.ErrInvalidMediaParameter) {
			if t, sub, ok := strings.Cut(mt, "/"); ok && t != "" && sub != "" {
				p.mediaType, p.subType, p.params = t, sub, params
			}
		}
	}
	if depth >= maxPartDepth || *count >= maxParts {
		return p
	}
	switch {
	case p.mediaType == "multipart":
		if b := p.params["boundary"]; b != "" {
			for _, r := range splitMultipart(raw, p.bodyStart, end, b) {
				p.children = append(p.children, parseEntity(raw, r[0], r[1], p.mediaType+"/"+p.subType, depth+1, count))
				if *count >= maxParts {
					break
				}
			}
		}
	case p.mediaType == "message" && (p.subType == "rfc822" || p.subType == "global"):
		p.inner = parseEntity(raw, p.bodyStart, end, "", depth+1, count)
	}
	return p
}

// parseHeader reads header fields from start up to the empty line, and
// returns where the body begins. A header without an empty line takes the
// whole entity.
func parseHeader(raw []byte, start, end int) ([]field, int) {
	fields := make([]field, 0, 16)
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
			fields[len(fields)-1].end = next
		} else {
			name := ""
			if i := bytes.IndexByte(line, ':'); i > 0 {
				name = fieldName(bytes.TrimRight(line[:i], " \t"))
			}
			fields = append(fields, field{name: name, start: pos, end: next})
		}
		pos = next
	}
	return fields, end
}

// eachFieldNamed calls fn with each field of the header block hdr called
// name, in order, until fn returns false. It scans the block without
// building its field list: a search on one field of 100,000 messages
// looks at each line's first bytes and nothing more.
func eachFieldNamed(hdr []byte, name string, fn func(field) bool) {
	var cur *field // the named field being extended by continuation lines
	var f field
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
				cur.end = next
			}
			pos = next
			continue
		}
		if cur != nil && !fn(*cur) {
			return
		}
		cur = nil
		if isFieldNamed(line, name) {
			f = field{name: name, start: pos, end: next}
			cur = &f
		}
		pos = next
	}
	if cur != nil {
		fn(*cur)
	}
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

// blankLine: the line holds nothing but its line end.
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

// value returns a field's unfolded value (RFC 5322 §2.2.3).
func (f field) value(raw []byte) string {
	b := raw[f.start:f.end]
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

// header returns the first value of a field.
func (p *part) header(raw []byte, name string) (string, bool) {
	for _, f := range p.fields {
		if strings.EqualFold(f.name, name) {
			return f.value(raw), true
		}
	}
	return "", false
}

// splitMultipart finds the body parts between boundary delimiter lines
// (RFC 2046 §5.1.1). The line end before a delimiter belongs to the
// delimiter, not to the part.
func splitMultipart(raw []byte, start, end int, boundary string) [][2]int {
	delim := []byte("--" + boundary)
	var parts [][2]int
	partStart := -1
	for pos := start; pos < end; {
		eol := bytes.IndexByte(raw[pos:end], '\n')
		next := end
		if eol >= 0 {
			next = pos + eol + 1
		}
		line := raw[pos:next]
		if bytes.HasPrefix(line, delim) {
			rest := bytes.TrimRight(line[len(delim):], "\r\n")
			closing := bytes.HasPrefix(rest, []byte("--"))
			if closing {
				rest = rest[2:]
			}
			if len(bytes.Trim(rest, " \t")) == 0 {
				if partStart >= 0 {
					parts = append(parts, [2]int{partStart, trimPrecedingEOL(raw, partStart, pos)})
				}
				if closing {
					return parts
				}
				partStart = next
			}
		}
		pos = next
	}
	if partStart >= 0 && partStart <= end {
		parts = append(parts, [2]int{partStart, end})
	}
	return parts
}

func trimPrecedingEOL(raw []byte, start, pos int) int {
	if pos > start && raw[pos-1] == '\n' {
		pos--
		if pos > start && raw[pos-1] == '\r' {
			pos--
		}
	}
	return pos
}

// isMessage reports a message/rfc822 (or message/global) part.
func (p *part) isMessage() bool { return p.inner != nil }

// find resolves a section part number path (RFC 9051 §6.4.5): numbers
// index the children of a multipart; a message/rfc822 part is entered on
// the way; in a single-part entity only part 1 exists, the entity itself.
func (p *part) find(path []int) *part {
	cur := p
	for i, n := range path {
		if i > 0 && cur.isMessage() {
			cur = cur.inner
		}
		if cur.mediaType == "multipart" {
			if n < 1 || n > len(cur.children) {
				return nil
			}
			cur = cur.children[n-1]
		} else if n != 1 {
			return nil
		}
	}
	return cur
}
