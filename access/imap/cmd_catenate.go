package imap

import (
	"errors"

	"chapar/message"
	"chapar/store"
)

// CATENATE (RFC 4469): an APPEND whose message is put together from TEXT
// literals and URLs of messages, or their sections, that the user may
// read. The parts are read with the command; the URLs are resolved when
// it runs, before anything is stored, so a bad one changes nothing.

// catPart is one part: text, or a URL to resolve.
type catPart struct {
	text []byte
	url  string
}

// parseCatenate reads "CATENATE" SP "(" cat-part *(SP cat-part) ")"
// (RFC 4469 §5) after the word CATENATE, into m.
func (p *parser) parseCatenate(m *appendMsg, before []*appendMsg) {
	p.sp()
	p.list(false, func() {
		if len(m.cat) >= maxCatParts {
			xbad("CATENATE: more than %d parts", maxCatParts)
		}
		switch {
		case p.maybeWord("TEXT"):
			p.sp()
			n, nonSync, _ := p.literalHeader(true)
			if p.appendMax > 0 && m.size+n > p.appendMax {
				p.refuseLiteral("TOOBIG", "CATENATE: message exceeds the limit of %d bytes", p.appendMax)
			}
			if p.multiAppendMax > 0 && totalSize(before)+m.size+n > p.multiAppendMax {
				p.refuseLiteral("LIMIT", "MULTIAPPEND of more than %d bytes", p.multiAppendMax)
			}
			data := p.readLiteral(n, nonSync)
			m.size += n
			m.cat = append(m.cat, catPart{text: data})
		case p.maybeWord("URL"):
			p.sp()
			m.cat = append(m.cat, catPart{url: p.astring()})
		default:
			p.expected("TEXT or URL")
		}
	})
}

// maxCatParts bounds the parts of one CATENATE.
const maxCatParts = 1000

func totalSize(msgs []*appendMsg) int64 {
	var n int64
	for _, m := range msgs {
		n += m.size
	}
	return n
}

// catenate builds the messages that have parts, in place.
func (s *session) catenate(msgs []*appendMsg) {
	for _, m := range msgs {
		if m.cat == nil {
			continue
		}
		var body []byte
		for _, part := range m.cat {
			if part.url == "" {
				body = append(body, part.text...)
			} else {
				body = append(body, s.resolveURL(part.url)...)
			}
			if limit := s.srv.cfg.MaxMessageSize; limit > 0 && int64(len(body)) > limit {
				xno("TOOBIG", "CATENATE: message exceeds the limit of %d bytes", limit)
			}
		}
		if len(body) == 0 {
			xno("", "CATENATE: empty message")
		}
		m.data, m.size, m.cat = body, int64(len(body)), nil
	}
}

// resolveURL returns what a URL names, or answers NO [BADURL url]
// (RFC 4469 §5). Every failure reads the same to the client, whether the
// mailbox is missing or hidden by the ACL, so that URLs reveal nothing.
func (s *session) resolveURL(raw string) []byte {
	bad := func(why string) {
		xno("BADURL "+urlRespText(raw), "CATENATE: %s", why)
	}
	u, err := parseIMAPURL(raw)
	if err != nil {
		bad(err.Error())
	}
	data, err := s.urlData(u)
	if err != nil {
		bad(err.Error())
	}
	return data
}

// urlRespText makes a URL fit a response code: no CR, LF, NUL or "]"
// (RFC 4469 §5 url-resp-text), and not unbounded.
func urlRespText(raw string) string {
	b := []byte(raw)
	for i, c := range b {
		if c < 0x20 || c == ']' || c >= 0x7f {
			b[i] = '?'
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

var errURLUnavailable = errors.New("no such message, or not readable")

// urlData reads the message or section u names, with the session's
// rights (r on the mailbox).
func (s *session) urlData(u *imapURL) ([]byte, error) {
	return s.urlDataAs(u, s.ns, s.act())
}

// urlDataAs reads what u names as the user whose namespace and rights
// are ns and act (URLFETCH reads as the URL's author).
func (s *session) urlDataAs(u *imapURL, ns namespace, act store.Actor) ([]byte, error) {
	ext := u.mailbox
	if isInbox(ext) {
		ext = "INBOX"
	}
	name, ok := ns.internal(ext)
	if !ok {
		return nil, errURLUnavailable
	}
	mb, _, err := act.Mailbox(name, store.RightRead)
	if err != nil || (u.uidValidity != 0 && u.uidValidity != mb.UIDValidity) {
		return nil, errURLUnavailable
	}
	m, err := s.store().GetMessage(mb, u.uid)
	if err != nil {
		return nil, errURLUnavailable
	}
	raw, err := s.readBody(mb, m)
	if err != nil {
		s.log.Error("URL: message unreadable", "mailbox", name, "uid", u.uid, "err", err)
		return nil, errURLUnavailable
	}
	data := raw
	if u.section != "" {
		sec, ok := parseURLSection(u.section)
		if !ok {
			return nil, errors.New("bad SECTION")
		}
		if data = sectionData(raw, message.Parse(raw), sec); data == nil {
			return nil, errURLUnavailable
		}
	}
	return applyPartial(data, u.partial), nil
}

// parseURLSection reads a URL's section (RFC 5092 §3: a FETCH section
// without brackets) with the FETCH parser.
func parseURLSection(text string) (sec section, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p := &parser{line: []byte("[" + text + "]")}
	sec = parseSection(p)
	p.end()
	return sec, true
}
