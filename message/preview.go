package message

import (
	"bytes"
	"html"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PreviewMax is the most characters a preview holds (RFC 8970 §3.1: at
// most 256 characters, not octets).
const PreviewMax = 256

// Preview returns a plain-text preview of a message, as IMAP's PREVIEW
// fetch item gives it (RFC 8970 §3.1): the first text of its body, from
// the first text/plain part shown inline or, failing one, the first
// text/html part with its markup removed; quoted lines (">") are left
// out, runs of white space become one space, and the result is cut to
// PreviewMax characters at a word boundary where one is near. A message
// with no text gives "". Attached messages are not looked into: their
// text is not this message's.
func Preview(raw []byte, root *Part) string {
	if p := firstText(raw, root, "plain", 0); p != nil {
		return summarize(previewText(raw, p))
	}
	if p := firstText(raw, root, "html", 0); p != nil {
		return summarize(stripHTML(previewText(raw, p)))
	}
	return ""
}

// previewScan bounds the decoded text a preview reads of its part: ample
// for 256 characters after quoted lines and markup, and what keeps the
// preview of a megabyte-long part from decoding all of it.
const previewScan = 64 << 10

// previewText is the start of a part's text as Part.Text gives it
// (transfer encoding and charset removed, valid UTF-8), decoded as a
// stream and only up to previewScan bytes.
func previewText(raw []byte, p *Part) string {
	var r io.Reader = bytes.NewReader(raw[p.BodyStart:p.End])
	enc, _ := p.Header.Get(raw, "Content-Transfer-Encoding")
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		r = newBase64Reader(r)
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	if cr, err := CharsetReader(p.Params["charset"], r); err == nil {
		r = cr
	}
	// Damage ends the text; what decoded before it counts.
	text, _ := io.ReadAll(io.LimitReader(newValidUTF8Reader(r), previewScan))
	return string(text)
}

// firstText finds the first inline text/sub part in p, depth first.
func firstText(raw []byte, p *Part, sub string, depth int) *Part {
	if depth > MaxDepth {
		return nil
	}
	if len(p.Children) > 0 {
		for _, c := range p.Children {
			if t := firstText(raw, c, sub, depth+1); t != nil {
				return t
			}
		}
		return nil
	}
	if p.MediaType != "text" || p.SubType != sub {
		return nil
	}
	if disp, _, ok := p.Disposition(raw); ok && disp == "attachment" {
		return nil
	}
	return p
}

// summarize turns text into one line of at most PreviewMax characters.
func summarize(text string) string {
	var b strings.Builder
	n := 0
	space := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			continue
		}
		for _, r := range line {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				space = b.Len() > 0
				continue
			}
			if space {
				if n+1 >= PreviewMax {
					return b.String()
				}
				b.WriteByte(' ')
				n++
				space = false
			}
			if n == PreviewMax {
				return cutAtWord(b.String())
			}
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}

// cutAtWord drops a word cut in half at the end of a full preview, when
// the preview keeps most of its length without it.
func cutAtWord(s string) string {
	if i := strings.LastIndexByte(s, ' '); i > 0 && utf8.RuneCountInString(s[:i]) > PreviewMax*3/4 {
		return s[:i]
	}
	return s
}

// stripHTML removes tags, comments and the content of script and style
// elements, and decodes character references: what a reader would see,
// without its layout.
func stripHTML(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		lower := strings.ToLower(s[:min(len(s), 8)])
		switch {
		case strings.HasPrefix(lower, "<!--"):
			s = after(s, "-->")
		case strings.HasPrefix(lower, "<script"), strings.HasPrefix(lower, "<style"):
			end := "</script"
			if strings.HasPrefix(lower, "<style") {
				end = "</style"
			}
			if j := strings.Index(strings.ToLower(s), end); j >= 0 {
				s = after(s[j:], ">")
			} else {
				s = ""
			}
		default:
			s = after(s, ">")
			b.WriteByte(' ')
		}
	}
	return html.UnescapeString(b.String())
}

// after returns what follows the first sep in s, or "" without one.
func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return ""
}
