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
	var fields []field
	pos := start
	for pos < end {
		eol := bytes.IndexByte(raw[pos:end], '\n')
		next := end
		if eol >= 0 {
			next = pos + eol + 1
		}
		line := raw[pos:next]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return fields, next
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1].end = next
		} else {
			name := ""
			if i := bytes.IndexByte(line, ':'); i > 0 {
				name = string(bytes.TrimRight(line[:i], " \t"))
			}
			fields = append(fields, field{name: name, start: pos, end: next})
		}
		pos = next
	}
	return fields, end
}

// value returns a field's unfolded value (RFC 5322 §2.2.3).
func (f field) value(raw []byte) string {
	b := raw[f.start:f.end]
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		b = b[i+1:]
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
