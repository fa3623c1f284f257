package message

import (
	"bytes"
	"mime"
	"strings"
)

// Part is one MIME entity of a message, as byte ranges of the raw message
// (RFC 2045, RFC 2046): raw[HeaderStart:BodyStart] is its header block
// with the empty line that ends it, raw[BodyStart:End] its body, still in
// its transfer encoding.
type Part struct {
	HeaderStart, BodyStart, End int
	Header                      Header

	// MediaType and SubType are lower case; Params holds the Content-Type
	// parameters, names lower case. A Part from ParseHeader leaves them
	// empty: its body is not looked at.
	MediaType, SubType string
	Params             map[string]string

	Children []*Part // the body parts of a multipart/*
	Enclosed *Part   // the message inside a message/rfc822 or message/global
}

// Limits on what a message may make the parser do: deeper or further
// parts are left as leaves.
const (
	MaxDepth = 40
	maxParts = 5000
)

// Parse parses raw as an RFC 5322 message and its MIME parts. It never
// fails: what cannot be read as structure is a leaf's body.
func Parse(raw []byte) *Part {
	count := 0
	return parseEntity(raw, 0, len(raw), "", 0, &count)
}

// ParseHeader reads only the header fields of raw, for a caller that holds
// the header block alone (or wants nothing below it): the Part has no
// media type and no children.
func ParseHeader(raw []byte) *Part {
	fields, end := parseFields(raw, 0, len(raw))
	return &Part{BodyStart: end, End: len(raw), Header: fields}
}

// parseEntity parses the entity raw[start:end]; parentType is the type of
// the enclosing multipart (multipart/digest changes the default type).
func parseEntity(raw []byte, start, end int, parentType string, depth int, count *int) *Part {
	*count++
	p := &Part{HeaderStart: start}
	p.Header, p.BodyStart = parseFields(raw, start, end)
	p.End = end
	p.setType(raw, parentType)
	if depth >= MaxDepth || *count >= maxParts {
		return p
	}
	switch {
	case p.MediaType == "multipart":
		if b := p.Params["boundary"]; b != "" {
			for _, r := range splitMultipart(raw, p.BodyStart, end, b) {
				p.Children = append(p.Children, parseEntity(raw, r[0], r[1], p.MediaType+"/"+p.SubType, depth+1, count))
				if *count >= maxParts {
					break
				}
			}
		}
	case p.MediaType == "message" && (p.SubType == "rfc822" || p.SubType == "global"):
		p.Enclosed = parseEntity(raw, p.BodyStart, end, "", depth+1, count)
	}
	return p
}

// setType sets the media type and parameters from the Content-Type field
// (whose value lies in raw), or their defaults.
func (p *Part) setType(raw []byte, parentType string) {
	// RFC 2045 §5.2 and RFC 2046 §5.1.5: the defaults without a usable
	// Content-Type.
	p.MediaType, p.SubType, p.Params = "text", "plain", map[string]string{"charset": "us-ascii"}
	if parentType == "multipart/digest" {
		p.MediaType, p.SubType, p.Params = "message", "rfc822", map[string]string{}
	}
	if v, ok := p.Header.Get(raw, "Content-Type"); ok {
		if mt, params, err := mime.ParseMediaType(v); mt != "" && (err == nil || err == mime.ErrInvalidMediaParameter) {
			if t, sub, ok := strings.Cut(mt, "/"); ok && t != "" && sub != "" {
				p.MediaType, p.SubType, p.Params = t, sub, params
			}
		}
	}
}

// IsMessage reports a message/rfc822 (or message/global) part, whose body
// is the Enclosed message.
func (p *Part) IsMessage() bool { return p.Enclosed != nil }

// Body returns the part's body as stored, in its transfer encoding.
func (p *Part) Body(raw []byte) []byte { return raw[p.BodyStart:p.End] }

// Disposition returns the Content-Disposition (RFC 2183) type, lower case,
// and its parameters; ok is false when the field is absent or unreadable.
// It is parsed on demand: most readers of a part never ask.
func (p *Part) Disposition(raw []byte) (disp string, params map[string]string, ok bool) {
	v, found := p.Header.Get(raw, "Content-Disposition")
	if !found {
		return "", nil, false
	}
	disp, params, err := mime.ParseMediaType(v)
	if disp == "" || (err != nil && err != mime.ErrInvalidMediaParameter) {
		return "", nil, false
	}
	return disp, params, true
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

// trimPrecedingEOL moves pos back over the line end before it, not past
// start.
func trimPrecedingEOL(raw []byte, start, pos int) int {
	if pos > start && raw[pos-1] == '\n' {
		pos--
		if pos > start && raw[pos-1] == '\r' {
			pos--
		}
	}
	return pos
}
