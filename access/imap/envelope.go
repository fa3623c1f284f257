package imap

import (
	"cmp"
	"mime"
	"strings"

	"chapar/message"
)

// ENVELOPE (RFC 9051 §7.5.2): header values as they are in the message,
// not decoded, so that a client decodes them as it would the header.

// appendEnvelope writes the envelope of the entity p of raw.
func appendEnvelope(b []byte, raw []byte, p *message.Part, utf8ok bool) []byte {
	get := func(name string) string {
		v, _ := p.Header.Get(raw, name)
		return v
	}
	b = append(b, '(')
	b = appendNString(b, get("Date"), utf8ok)
	b = append(b, ' ')
	b = appendNString(b, get("Subject"), utf8ok)
	from := get("From")
	for _, name := range []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc"} {
		v := get(name)
		// Sender and Reply-To default to From when absent or empty.
		if v == "" && (name == "Sender" || name == "Reply-To") {
			v = from
		}
		b = append(b, ' ')
		b = appendAddressList(b, v, utf8ok)
	}
	b = append(b, ' ')
	b = appendNString(b, get("In-Reply-To"), utf8ok)
	b = append(b, ' ')
	b = appendNString(b, get("Message-ID"), utf8ok)
	return append(b, ')')
}

// appendAddressList writes an address list, or NIL for none: the
// addresses message.AddressItems finds, one bad address not losing the
// others, display names decoded (and Q-encoded again for a client that has
// not enabled UTF-8). A group is kept as RFC 3501 §7.4.2 writes it: a
// start (NIL NIL "name" NIL), its members, an end (NIL NIL NIL NIL).
func appendAddressList(b []byte, v string, utf8ok bool) []byte {
	items := message.AddressItems(v)
	if len(items) == 0 {
		return append(b, "NIL"...)
	}
	b = append(b, '(')
	for _, it := range items {
		switch {
		case it.GroupEnd:
			b = append(b, "(NIL NIL NIL NIL)"...)
		case it.Address == nil:
			b = append(b, "(NIL NIL "...)
			// An empty name would read as the group's end.
			b = appendString(b, cmp.Or(envelopeText(it.Group, utf8ok), "group"), utf8ok)
			b = append(b, " NIL)"...)
		default:
			a := it.Address
			mbox, host := a.Address, ""
			if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
				mbox, host = a.Address[:i], a.Address[i+1:]
			}
			b = append(b, '(')
			b = appendNString(b, envelopeText(a.Name, utf8ok), utf8ok)
			b = append(b, " NIL "...)
			b = appendNString(b, mbox, utf8ok)
			b = append(b, ' ')
			b = appendNString(b, host, utf8ok)
			b = append(b, ')')
		}
	}
	return append(b, ')')
}

// envelopeText is a decoded phrase as ENVELOPE sends it: Q-encoded again
// for a client that has not enabled UTF-8 when it is not ASCII.
func envelopeText(s string, utf8ok bool) string {
	if !utf8ok && !isASCII(s) {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
