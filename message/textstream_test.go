package message

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"testing/iotest"
)

// treeText is the searchable text as Parse's tree gives it, whole: the
// reading WalkText streams.
func treeText(raw []byte) string {
	root := Parse(raw)
	var b strings.Builder
	var walk func(p *Part, top bool)
	walk = func(p *Part, top bool) {
		switch {
		case len(p.Children) > 0:
			for _, c := range p.Children {
				walk(c, false)
			}
		case p.IsMessage():
			if !top {
				for _, f := range p.Enclosed.Header {
					b.WriteString(DecodeHeader(f.Value(raw)))
					b.WriteByte('\n')
				}
			}
			walk(p.Enclosed, false)
		case p.MediaType == "multipart" && p.Params["boundary"] != "" && len(p.Children) == 0:
			// WalkText: a multipart without parts has no text.
		case p.MediaType == "text" || top:
			b.WriteString(p.Text(raw))
			b.WriteByte('\n')
		}
	}
	walk(root, true)
	return b.String()
}

// streamText is WalkText's text, joined.
func streamText(t testing.TB, raw []byte, oneByte bool) string {
	var b strings.Builder
	r := bytes.NewReader(raw)
	var err error
	if oneByte {
		err = WalkText(iotest.OneByteReader(r), func(p []byte) bool { b.Write(p); return true })
	} else {
		err = WalkText(r, func(p []byte) bool { b.Write(p); return true })
	}
	if err != nil {
		t.Fatalf("WalkText: %v", err)
	}
	return b.String()
}

// sameText compares two texts with runs of U+FFFD collapsed: where a read
// cuts a run of invalid bytes WalkText may say two for one.
func sameText(a, b string) bool {
	collapse := func(s string) string {
		for strings.Contains(s, "\uFFFD\uFFFD") {
			s = strings.ReplaceAll(s, "\uFFFD\uFFFD", "\uFFFD")
		}
		return s
	}
	return collapse(a) == collapse(b)
}

const mixedMessage = "From: a@example.org\r\nSubject: mixed\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
	"preamble is not text\r\n" +
	"--outer\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Gr=FC=DFe aus K=F6ln, sof=\r\nt umbrochen\r\n" +
	"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
	"--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"PHA+U8OpbWFwaG9yZSBJTlNJREU8L3A+\r\n" + // <p>Sémaphore INSIDE</p>
	"--inner--\r\nepilogue of inner\r\n" +
	"--outer\r\nContent-Type: application/octet-stream\r\n\r\nsecret-binary-needle\r\n" +
	"--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: =?utf-8?q?enclosed_=C3=A9t=C3=A9?=\r\n\r\nforwarded body\r\n" +
	"--outer--\r\nepilogue\r\n"

// The streamed text is the tree's: transfer encodings and charsets removed,
// only text parts, enclosed headers decoded, delimiters and their line ends
// left out; read whole or a byte at a time.
func TestWalkTextIsTheTreeText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3*textLineBuffer+17)
	b64 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("needle in base64 ", 5000)))
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\r\n")
	for name, raw := range map[string]string{
		"mixed":       mixedMessage,
		"plain":       "Subject: p\r\n\r\nline one\r\nline two\r\n",
		"no header":   "just text, no newline",
		"lf only":     "Subject: p\n\nbody\n",
		"long lines":  "Subject: l\r\n\r\n" + long + "\r\n" + long,
		"long header": "Subject: " + long + "\r\nContent-Type: text/plain; charset=latin1\r\n\r\n\xe9t\xe9\r\n",
		"big base64":  "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrapped.String(),
		"no closing":  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n--b\r\n\r\nlast, unclosed\r\n",
		"digest":      "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\nSubject: one\r\n\r\ndigest one\r\n--d--\r\n",
	} {
		want := treeText([]byte(raw))
		for _, oneByte := range []bool{false, true} {
			if got := streamText(t, []byte(raw), oneByte); !sameText(got, want) {
				t.Errorf("%s (one byte at a time %v): streamed\n%.300q\nthe tree says\n%.300q", name, oneByte, got, want)
			}
		}
	}
}

// ContainsText finds needles across the pieces the text is read in, in
// base64 and quoted-printable parts, in ISO-8859-1 and UTF-8, any case; and
// not what only binary parts, preambles or delimiters hold.
func TestContainsText(t *testing.T) {
	t.Parallel()
	edge := strings.Repeat("a", textLineBuffer-3) + "NEEDLE across the edge"
	cases := []struct {
		raw, needle string
		want        bool
	}{
		{mixedMessage, "grüße aus köln", true}, // QP, ISO-8859-1, folded
		{mixedMessage, "GRÜSSE", false},        // folding is not ß → ss
		{mixedMessage, "soft umbrochen", true}, // QP soft line break removed
		{mixedMessage, "sof\r\nt", false},
		{mixedMessage, "sémaphore inside", true}, // base64, UTF-8
		{mixedMessage, "SÉMAPHORE", true},        // non-ASCII folding
		{mixedMessage, "secret-binary", false},   // not a text part
		{mixedMessage, "preamble", false},
		{mixedMessage, "outer", false},
		{mixedMessage, "enclosed été", true}, // an enclosed message's header, decoded
		{mixedMessage, "forwarded body", true},
		{mixedMessage, "", true},
		{"Subject: s\r\n\r\n" + edge, "needle across", true},
		{"Subject: s\r\n\r\n" + edge, "aaneedle across the edge", true},
		{"Subject: s\r\n\r\n" + edge, "needle across the edgeX", false},
		{"Subject: s\r\n\r\nno", "subject", false}, // the top header is not body text
	}
	for _, c := range cases {
		for _, oneByte := range []bool{false, true} {
			r := bytes.NewReader([]byte(c.raw))
			var got bool
			var err error
			if oneByte {
				got, err = ContainsText(iotest.OneByteReader(r), c.needle)
			} else {
				got, err = ContainsText(r, c.needle)
			}
			if err != nil || got != c.want {
				t.Errorf("ContainsText(%.40q..., %q) one byte %v = %v, %v; want %v", c.raw, c.needle, oneByte, got, err, c.want)
			}
		}
	}
}

// FuzzWalkText: any input streams without a panic to the tree's text.
func FuzzWalkText(f *testing.F) {
	f.Add([]byte(mixedMessage))
	f.Add([]byte(multipart))
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: d\r\n\r\nx\r\n--b--"))
	f.Add([]byte("Content-Type: text/plain; charset=latin1\r\nContent-Transfer-Encoding: base64\r\n\r\n6eng\r\n=\r\nx"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		want := treeText(raw)
		if got := streamText(t, raw, false); !sameText(got, want) {
			t.Fatalf("streamed %q, the tree says %q", got, want)
		}
	})
}
