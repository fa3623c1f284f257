package imap

import (
	"strconv"
	"strings"

	"chapar/message"
)

// Parsing of FETCH attributes (RFC 9051 §6.4.5, BINARY: RFC 3516 §4.2).

type fetchKind uint8

const (
	fetchUID fetchKind = iota
	fetchFlags
	fetchInternalDate
	fetchSize
	fetchEnvelope
	fetchBody          // BODY: the non-extensible BODYSTRUCTURE
	fetchBodyStructure // BODYSTRUCTURE
	fetchSection       // BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT
	fetchBinary        // BINARY[...], BINARY.PEEK[...]
	fetchBinarySize    // BINARY.SIZE[...]
	fetchModSeq        // MODSEQ (RFC 7162 §3.1.4)
	fetchSaveDate      // SAVEDATE (RFC 8514 §4.1)
	fetchEmailID       // EMAILID (RFC 8474 §5.1)
	fetchThreadID      // THREADID (RFC 8474 §5.2)
	fetchPreview       // PREVIEW (RFC 8970 §3)
)

type fetchItem struct {
	kind    fetchKind
	peek    bool // does not set \Seen
	sec     section
	partial *partialRange
	// label is the item's name in the response: "BODY[HEADER]<0>",
	// "RFC822.TEXT", "BINARY.SIZE[1]".
	label string
}

// section is a section-spec (RFC 9051 §6.4.5).
type section struct {
	path   []int
	text   string // "", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME
	fields []string
}

type partialRange struct{ offset, count int64 }

// setsSeen: fetching it sets \Seen (RFC 9051 §6.4.5: BODY[...], BINARY[...],
// RFC822 and RFC822.TEXT do; the .PEEK forms and RFC822.HEADER do not).
func (it *fetchItem) setsSeen() bool {
	return (it.kind == fetchSection || it.kind == fetchBinary) && !it.peek
}

type fetchArgs struct {
	set   numSet
	items []fetchItem
	// changedSince is the CHANGEDSINCE modifier (RFC 7162 §3.1.4.1),
	// 0 when absent (the value is a mod-sequence-value, never 0).
	changedSince uint64
	// vanished is QRESYNC's VANISHED modifier (RFC 7162 §3.2.6).
	vanished bool
}

func parseFetch(p *parser) fetchArgs {
	var a fetchArgs
	p.sp()
	a.set = p.numSet()
	p.sp()
	if p.peek() == '(' {
		p.list(false, func() { a.items = append(a.items, parseFetchAtt(p)) })
	} else {
		switch w := strings.ToUpper(peekWord(p)); w {
		case "ALL", "FAST", "FULL":
			p.pos += len(w)
			// RFC 9051 §6.4.5: the macros.
			a.items = []fetchItem{{kind: fetchFlags, label: "FLAGS"}, {kind: fetchInternalDate, label: "INTERNALDATE"},
				{kind: fetchSize, label: "RFC822.SIZE"}}
			if w != "FAST" {
				a.items = append(a.items, fetchItem{kind: fetchEnvelope, label: "ENVELOPE"})
			}
			if w == "FULL" {
				a.items = append(a.items, fetchItem{kind: fetchBody, label: "BODY"})
			}
		default:
			a.items = []fetchItem{parseFetchAtt(p)}
		}
	}
	if p.maybe(' ') {
		// fetch-modifiers (RFC 4466 §2.4): CHANGEDSINCE (RFC 7162
		// §3.1.4.1), VANISHED (§3.2.6; checked against the session in
		// runFetch).
		p.list(false, func() {
			switch {
			case a.changedSince == 0 && p.maybeWord("CHANGEDSINCE"):
				p.sp()
				a.changedSince = p.modSeqValue(false)
			case !a.vanished && p.maybeWord("VANISHED"):
				a.vanished = true
			default:
				xbad("FETCH modifier %s not supported", peekWord(p))
			}
		})
	}
	p.end()
	return a
}

// peekWord returns the letters, digits, dots and dashes that come next.
func peekWord(p *parser) string {
	r := p.rest()
	i := 0
	for i < len(r) && (r[i] >= 'A' && r[i] <= 'Z' || r[i] >= 'a' && r[i] <= 'z' || r[i] >= '0' && r[i] <= '9' || r[i] == '.' || r[i] == '-') {
		i++
	}
	return string(r[:i])
}

func parseFetchAtt(p *parser) fetchItem {
	w := strings.ToUpper(peekWord(p))
	p.pos += len(w)
	var it fetchItem
	switch w {
	case "UID":
		it.kind, it.label = fetchUID, w
	case "FLAGS":
		it.kind, it.label = fetchFlags, w
	case "INTERNALDATE":
		it.kind, it.label = fetchInternalDate, w
	case "RFC822.SIZE":
		it.kind, it.label = fetchSize, w
	case "ENVELOPE":
		it.kind, it.label = fetchEnvelope, w
	case "BODYSTRUCTURE":
		it.kind, it.label = fetchBodyStructure, w
	case "MODSEQ":
		it.kind, it.label = fetchModSeq, w
	case "SAVEDATE":
		it.kind, it.label = fetchSaveDate, w
	case "EMAILID":
		it.kind, it.label = fetchEmailID, w
	case "THREADID":
		it.kind, it.label = fetchThreadID, w
	case "PREVIEW":
		it.kind, it.label = fetchPreview, w
		parsePreviewModifiers(p)
	case "RFC822":
		it.kind, it.label = fetchSection, w
	case "RFC822.HEADER":
		it.kind, it.label, it.peek = fetchSection, w, true
		it.sec.text = "HEADER"
	case "RFC822.TEXT":
		it.kind, it.label = fetchSection, w
		it.sec.text = "TEXT"
	case "BODY", "BODY.PEEK":
		if p.peek() != '[' {
			if w == "BODY.PEEK" {
				p.expected("[")
			}
			it.kind, it.label = fetchBody, w
			break
		}
		it.kind, it.peek = fetchSection, w == "BODY.PEEK"
		it.sec = parseSection(p)
		it.label = "BODY" + it.sec.label()
		it.partial = parsePartial(p, &it.label)
	case "BINARY", "BINARY.PEEK", "BINARY.SIZE":
		it.kind, it.peek = fetchBinary, w == "BINARY.PEEK"
		if w == "BINARY.SIZE" {
			it.kind = fetchBinarySize
		}
		label := "BINARY"
		if it.kind == fetchBinarySize {
			label = "BINARY.SIZE"
		}
		p.expect('[')
		if p.peek() != ']' {
			it.sec.path = parseSectionPart(p)
		}
		p.expect(']')
		it.label = label + "[" + formatPath(it.sec.path) + "]"
		if it.kind == fetchBinary {
			it.partial = parsePartial(p, &it.label)
		}
	case "":
		p.expected("FETCH attribute")
	default:
		xbad("unknown FETCH attribute %s", w)
	}
	return it
}

func formatPath(path []int) string {
	var b []byte
	for i, n := range path {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

// parseSectionPart reads nz-number *("." nz-number).
func parseSectionPart(p *parser) []int {
	var path []int
	for {
		path = append(path, int(p.nzNumber()))
		if len(path) > message.MaxDepth {
			xbad("section part too deep")
		}
		r := p.rest()
		if len(r) >= 2 && r[0] == '.' && r[1] >= '0' && r[1] <= '9' {
			p.pos++
			continue
		}
		return path
	}
}

// parseSection reads "[" [section-spec] "]".
func parseSection(p *parser) section {
	var sec section
	p.expect('[')
	if p.maybe(']') {
		return sec
	}
	if c := p.peek(); c >= '0' && c <= '9' {
		sec.path = parseSectionPart(p)
		if !p.maybe('.') {
			p.expect(']')
			return sec
		}
	}
	switch {
	case p.maybePrefix("HEADER.FIELDS.NOT"):
		sec.text = "HEADER.FIELDS.NOT"
	case p.maybePrefix("HEADER.FIELDS"):
		sec.text = "HEADER.FIELDS"
	case p.maybePrefix("HEADER"):
		sec.text = "HEADER"
	case p.maybePrefix("TEXT"):
		sec.text = "TEXT"
	case p.maybePrefix("MIME") && len(sec.path) > 0:
		sec.text = "MIME"
	default:
		p.expected("section text")
	}
	if strings.HasPrefix(sec.text, "HEADER.FIELDS") {
		p.sp()
		p.list(false, func() { sec.fields = append(sec.fields, p.astring()) })
	}
	p.expect(']')
	return sec
}

// parsePartial reads "<" number64 "." nz-number64 ">" and labels the
// response with the origin only (RFC 9051 §7.5.2: "BODY[]<0>").
func parsePartial(p *parser, label *string) *partialRange {
	if !p.maybe('<') {
		return nil
	}
	r := &partialRange{offset: p.number64()}
	p.expect('.')
	r.count = p.number64()
	if r.count == 0 {
		xbad("partial count must not be zero")
	}
	p.expect('>')
	*label += "<" + strconv.FormatInt(r.offset, 10) + ">"
	return r
}

// label spells a section for the response (RFC 9051 §7.5.2 msg-att-static:
// the section as the client gave it, keywords in upper case).
func (sec section) label() string {
	b := []byte("[")
	b = append(b, formatPath(sec.path)...)
	if sec.text != "" {
		if len(sec.path) > 0 {
			b = append(b, '.')
		}
		b = append(b, sec.text...)
	}
	if strings.HasPrefix(sec.text, "HEADER.FIELDS") {
		b = append(b, " ("...)
		for i, f := range sec.fields {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendAstring(b, f, false)
		}
		b = append(b, ')')
	}
	return string(append(b, ']'))
}
