package imap

import (
	"strings"

	"chapar/message"
)

// PREVIEW (RFC 8970): a FETCH item giving a short plain-text preview of a
// message (message.Preview), built from the message's body and kept in
// the response cache like ENVELOPE, since a message never changes under
// its UID.

// parsePreviewModifiers reads PREVIEW's optional "(" preview-mod *(SP
// preview-mod) ")" (RFC 8970 §5), whose only modifier is LAZY. A list
// that does not start with LAZY is left alone: after a lone PREVIEW it
// is FETCH's own modifier list ("FETCH 1 PREVIEW (CHANGEDSINCE 5)").
// LAZY lets the server say NIL rather than compute a preview; chapar
// always computes it, so LAZY changes nothing.
func parsePreviewModifiers(p *parser) {
	r := p.rest()
	if len(r) < 6 || r[0] != ' ' || r[1] != '(' || !strings.EqualFold(string(r[2:6]), "LAZY") {
		return
	}
	p.sp()
	p.list(false, func() {
		if !p.maybeWord("LAZY") {
			xbad("unknown PREVIEW modifier %s", peekWord(p))
		}
	})
}

// appendPreview writes "PREVIEW " and the preview as a string.
func (f *fetchMsg) appendPreview(b []byte, utf8ok bool) []byte {
	b = append(b, "PREVIEW "...)
	return f.s.srv.responses.appendCached(b, f.cacheKey(cachePreview, utf8ok), func(b []byte) []byte {
		raw, root := f.body()
		return appendString(b, message.Preview(raw, root), utf8ok)
	})
}
