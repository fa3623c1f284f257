package imap

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"chapar/message"
)

// BODY and BODYSTRUCTURE (RFC 9051 §7.5.2 body): computed from the part
// tree, with sizes in octets of the encoded body as stored.

// appendBodyStructure writes the structure of p; ext adds the extension
// data of BODYSTRUCTURE.
func appendBodyStructure(b []byte, raw []byte, p *message.Part, ext, utf8ok bool) []byte {
	b = append(b, '(')
	if p.MediaType == "multipart" {
		if len(p.Children) == 0 {
			// A multipart needs one part at least (1*body): show the
			// unparseable body as an empty text part.
			b = append(b, `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0)`...)
		}
		for _, c := range p.Children {
			b = appendBodyStructure(b, raw, c, ext, utf8ok)
		}
		b = append(b, ' ')
		b = appendString(b, strings.ToUpper(p.SubType), utf8ok)
		if ext {
			b = append(b, ' ')
			b = appendParams(b, p.Params, utf8ok)
			b = appendExtTail(b, raw, p, utf8ok)
		}
		return append(b, ')')
	}
	body := p.Body(raw)
	b = appendString(b, strings.ToUpper(p.MediaType), utf8ok)
	b = append(b, ' ')
	b = appendString(b, strings.ToUpper(p.SubType), utf8ok)
	b = append(b, ' ')
	b = appendParams(b, p.Params, utf8ok)
	id, _ := p.Header.Get(raw, "Content-ID")
	desc, _ := p.Header.Get(raw, "Content-Description")
	enc, _ := p.Header.Get(raw, "Content-Transfer-Encoding")
	b = append(b, ' ')
	b = appendNString(b, id, utf8ok)
	b = append(b, ' ')
	b = appendNString(b, desc, utf8ok)
	b = append(b, ' ')
	b = appendString(b, transferEncoding(enc), utf8ok)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(body)), 10)
	switch {
	case p.IsMessage():
		b = append(b, ' ')
		b = appendEnvelope(b, raw, p.Enclosed, utf8ok)
		b = append(b, ' ')
		b = appendBodyStructure(b, raw, p.Enclosed, ext, utf8ok)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(countLines(body)), 10)
	case p.MediaType == "text":
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(countLines(body)), 10)
	}
	if ext {
		md5, _ := p.Header.Get(raw, "Content-MD5")
		b = append(b, ' ')
		b = appendNString(b, md5, utf8ok)
		b = appendExtTail(b, raw, p, utf8ok)
	}
	return append(b, ')')
}

// transferEncoding names the encoding, 7BIT when none is given (RFC 2045
// §6.1).
func transferEncoding(enc string) string {
	enc = strings.TrimSpace(enc)
	if enc == "" {
		return "7BIT"
	}
	switch up := strings.ToUpper(enc); up {
	case "7BIT", "8BIT", "BINARY", "BASE64", "QUOTED-PRINTABLE":
		return up
	}
	return enc
}

func countLines(b []byte) int { return bytes.Count(b, []byte("\n")) }

// appendParams writes a parameter list in name order, or NIL.
func appendParams(b []byte, params map[string]string, utf8ok bool) []byte {
	if len(params) == 0 {
		return append(b, "NIL"...)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '(')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendString(b, strings.ToUpper(k), utf8ok)
		b = append(b, ' ')
		b = appendString(b, params[k], utf8ok)
	}
	return append(b, ')')
}

// appendExtTail writes disposition, language and location.
func appendExtTail(b []byte, raw []byte, p *message.Part, utf8ok bool) []byte {
	b = append(b, ' ')
	if disp, params, ok := p.Disposition(raw); ok {
		b = append(b, '(')
		b = appendString(b, strings.ToUpper(disp), utf8ok)
		b = append(b, ' ')
		b = appendParams(b, params, utf8ok)
		b = append(b, ')')
	} else {
		b = append(b, "NIL"...)
	}
	b = append(b, ' ')
	lang, _ := p.Header.Get(raw, "Content-Language")
	var langs []string
	for _, l := range strings.Split(lang, ",") {
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	switch len(langs) {
	case 0:
		b = append(b, "NIL"...)
	case 1:
		b = appendString(b, langs[0], utf8ok)
	default:
		b = append(b, '(')
		for i, l := range langs {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendString(b, l, utf8ok)
		}
		b = append(b, ')')
	}
	loc, _ := p.Header.Get(raw, "Content-Location")
	b = append(b, ' ')
	return appendNString(b, loc, utf8ok)
}
