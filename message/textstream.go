package message

import (
	"bufio"
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
)

// The searchable text of a message, streamed: what SEARCH BODY reads
// (RFC 9051 §6.4.4) without holding the message. The walk follows Parse's
// reading of the structure line by line, keeping only the open multipart
// delimiters, one line buffer and each part's header block, so a search of
// a 50 MB message holds kilobytes, not the message.

// textLineBuffer bounds the bytes of one line held at a time; a longer
// line is read in pieces (it cannot be a delimiter: those are short).
const textLineBuffer = 32 << 10

// maxPartHeader bounds the header block kept of one part; fields past it
// are skipped (a part's type is in its first fields in any real message).
const maxPartHeader = 256 << 10

// WalkText streams the text of the message r holds to emit, in pieces of
// valid UTF-8 made of whole runes: the
// decoded text parts, and the decoded header fields of enclosed messages,
// each followed by a newline, in message order. What it yields, joined, is
// what Parse's parts yield through Part.Text (but that a multipart whose
// delimiter never comes yields nothing, even at the top, and that a run of
// invalid bytes cut by a read may become two U+FFFD, not one). The pieces
// are only valid during the call. emit returns false to stop
// the walk early; WalkText then returns nil.
func WalkText(r io.Reader, emit func([]byte) bool) error {
	w := &textWalker{br: bufio.NewReaderSize(r, textLineBuffer), hit: -1, emit: emit, lineStart: true}
	w.entity("", 0, true, false)
	if w.stopped {
		return nil
	}
	return w.err
}

type textWalker struct {
	br *bufio.Reader
	// delims are the open multiparts' delimiters ("--" boundary),
	// outermost first; hit is the index of the one the last line was, or
	// -1, and closing says it was a close delimiter.
	delims  [][]byte
	hit     int
	closing bool
	eof     bool
	err     error // a read error other than EOF
	parts   int
	emit    func([]byte) bool
	stopped bool
	// lineStart: the next byte read begins a line; pieceStart: the piece
	// last read began one.
	lineStart, pieceStart bool
	// line is the current piece of a line, copied out of br.
	line []byte
}

// halted: nothing more is to be read, for the part being read.
func (w *textWalker) halted() bool { return w.hit >= 0 || w.eof || w.stopped }

// next reads the next piece of a line: a whole line with its line end, or
// textLineBuffer bytes of a longer one. A whole line that is a delimiter
// of an open multipart sets hit and is not returned (ok false), nor is
// anything at the end of input.
func (w *textWalker) next() (piece []byte, ok bool) {
	if w.halted() {
		return nil, false
	}
	b, err := w.br.ReadSlice('\n')
	start := w.lineStart
	w.lineStart, w.pieceStart = err == nil, start
	if err != nil && err != bufio.ErrBufferFull {
		w.eof = true
		if err != io.EOF {
			w.err = err
		}
		if len(b) == 0 {
			return nil, false
		}
	}
	if start && w.delimiter(b) {
		return nil, false
	}
	w.line = append(w.line[:0], b...)
	return w.line, true
}

// delimiter reports a delimiter line of an open multipart (RFC 2046
// §5.1.1, as splitMultipart reads it). The outermost is tried first: an
// outer delimiter ends every part inside it.
func (w *textWalker) delimiter(line []byte) bool {
	for i, d := range w.delims {
		if !bytes.HasPrefix(line, d) {
			continue
		}
		rest := bytes.TrimRight(line[len(d):], "\r\n")
		closing := bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		if len(bytes.Trim(rest, " \t")) == 0 {
			w.hit, w.closing = i, closing
			return true
		}
	}
	return false
}

// header reads an entity's header block, up to its empty line, keeping at
// most maxPartHeader bytes.
func (w *textWalker) header() []byte {
	var hdr []byte
	for {
		piece, ok := w.next()
		if !ok {
			return hdr
		}
		if len(hdr) < maxPartHeader {
			hdr = append(hdr, piece[:min(len(piece), maxPartHeader-len(hdr))]...)
		}
		if w.pieceStart && w.lineStart && blankLine(piece) {
			return hdr // a whole blank line; not the tail of a long one
		}
	}
}

// drain skips the rest of the part being read.
func (w *textWalker) drain() {
	for {
		if _, ok := w.next(); !ok {
			return
		}
	}
}

// entity walks one entity: its header, then its body as its type says.
// showHeader emits the decoded header fields (an enclosed message's).
func (w *textWalker) entity(parentType string, depth int, top, showHeader bool) {
	w.parts++
	hdr := w.header()
	p := ParseHeader(hdr)
	p.setType(hdr, parentType)
	if showHeader {
		for _, f := range p.Header {
			if !w.say([]byte(DecodeHeader(f.Value(hdr)))) || !w.say(newline) {
				return
			}
		}
	}
	if depth >= MaxDepth || w.parts >= maxParts {
		w.leaf(p, hdr, top)
		return
	}
	switch {
	case p.MediaType == "multipart" && p.Params["boundary"] != "":
		w.multipart(p, depth)
	case p.MediaType == "message" && (p.SubType == "rfc822" || p.SubType == "global"):
		w.entity("", depth+1, false, !top)
	default:
		w.leaf(p, hdr, top)
	}
}

var newline = []byte("\n")

// multipart walks the body parts between p's delimiters. It returns with
// hit set when an outer delimiter ended it, or at the end of input.
func (w *textWalker) multipart(p *Part, depth int) {
	level := len(w.delims)
	w.delims = append(w.delims, []byte("--"+p.Params["boundary"]))
	defer func() { w.delims = w.delims[:level] }()
	w.drain() // the preamble
	kind := p.MediaType + "/" + p.SubType
	for w.hit == level && !w.stopped {
		closing := w.closing
		w.hit = -1
		if closing {
			// The epilogue belongs to no part: skip it, with this
			// multipart's delimiter no longer open.
			w.delims = w.delims[:level]
			w.drain()
			return
		}
		if w.parts >= maxParts {
			w.drain()
			continue
		}
		w.entity(kind, depth+1, false, false)
	}
}

// leaf streams a text part's body (or the top entity's, whatever its
// type), decoded, followed by a newline; other leaves are skipped.
func (w *textWalker) leaf(p *Part, hdr []byte, top bool) {
	if p.MediaType != "text" && !top {
		w.drain()
		return
	}
	var r io.Reader = &partBodyReader{w: w}
	enc, _ := p.Header.Get(hdr, "Content-Transfer-Encoding")
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		r = newBase64Reader(r)
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	if cr, err := CharsetReader(p.Params["charset"], r); err == nil {
		r = cr
	}
	r = newValidUTF8Reader(r)
	buf := make([]byte, textLineBuffer)
	for !w.stopped {
		n, err := r.Read(buf)
		if n > 0 && !w.say(buf[:n]) {
			return
		}
		if err != nil {
			break // the end, or damage: what decoded before it counts
		}
	}
	w.drain()
	w.say(newline)
}

func (w *textWalker) say(b []byte) bool {
	if w.stopped {
		return false
	}
	if len(b) > 0 && !w.emit(b) {
		w.stopped = true
	}
	return !w.stopped
}

// partBodyReader reads the body of the part being walked, as stored: up
// to the next delimiter of an open multipart, whose preceding line end
// belongs to the delimiter, not the part (RFC 2046 §5.1.1).
type partBodyReader struct {
	w       *textWalker
	pending []byte // bytes read, not yet handed out
	buf     []byte // pending's storage
	eol     []byte // the last line's end, held until a line follows it
}

// Read hands out as many lines as fit in p: a decoder reading 4 KiB at a
// time then makes one call per 4 KiB, not one per line.
func (b *partBodyReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(b.pending) == 0 && !b.fill() {
			break
		}
		k := copy(p[n:], b.pending)
		b.pending = b.pending[k:]
		n += k
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fill reads the next line into pending, holding back its line end until
// it is known that no delimiter follows; false at the part's end.
func (b *partBodyReader) fill() bool {
	for len(b.pending) == 0 {
		piece, ok := b.w.next()
		if !ok {
			if b.w.hit < 0 && len(b.eol) > 0 {
				// The input ended, not a delimiter: the last line end
				// is the part's.
				b.pending = append(b.buf[:0], b.eol...)
				b.eol = b.eol[:0]
				continue
			}
			return false
		}
		b.buf = append(b.buf[:0], b.eol...)
		b.eol = b.eol[:0]
		if b.w.lineStart { // piece ends its line
			content := bytes.TrimRight(piece, "\n")
			if len(content) < len(piece) {
				content = bytes.TrimSuffix(content, []byte("\r"))
			}
			b.eol = append(b.eol, piece[len(content):]...)
			piece = content
		}
		b.buf = append(b.buf, piece...)
		b.pending = b.buf
	}
	return true
}
