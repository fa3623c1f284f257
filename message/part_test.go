package message

import (
	"strings"
	"testing"
)

// multipart is text, a base64 attachment, and an attached message with its
// own multipart body.
const multipart = "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= report\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Sch=C3=B6ne Gr=C3=BC=C3=9Fe\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"Content-Disposition: attachment; filename=\"data.bin\"\r\n" +
	"\r\n" +
	"AAECAwQ=\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"From: inner@example.org\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"\r\n" +
	"inner plain caf\xe9\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html\r\n" +
	"\r\n" +
	"<p>inner html</p>\r\n" +
	"--inner--\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"

func TestParseTree(t *testing.T) {
	t.Parallel()
	raw := []byte(multipart)
	root := Parse(raw)
	if root.MediaType != "multipart" || root.SubType != "mixed" || root.Params["boundary"] != "outer" {
		t.Fatalf("root is %s/%s %v", root.MediaType, root.SubType, root.Params)
	}
	if root.HeaderStart != 0 || root.End != len(raw) || root.BodyStart != strings.Index(multipart, "preamble") {
		t.Errorf("root ranges %d %d %d", root.HeaderStart, root.BodyStart, root.End)
	}
	if len(root.Children) != 3 {
		t.Fatalf("%d children, want 3", len(root.Children))
	}
	text, bin, msg := root.Children[0], root.Children[1], root.Children[2]
	// The line end before a delimiter belongs to the delimiter.
	if got := string(text.Body(raw)); got != "Sch=C3=B6ne Gr=C3=BC=C3=9Fe" {
		t.Errorf("text body %q", got)
	}
	if got := text.Text(raw); got != "Schöne Grüße" {
		t.Errorf("text decoded %q", got)
	}
	if got := string(raw[text.HeaderStart:text.BodyStart]); !strings.HasPrefix(got, "Content-Type: text/plain") || !strings.HasSuffix(got, "\r\n\r\n") {
		t.Errorf("text part header %q", got)
	}
	if d, err := bin.Decoded(raw); err != nil || string(d) != "\x00\x01\x02\x03\x04" {
		t.Errorf("base64 part decoded %q, %v", d, err)
	}
	if disp, params, ok := bin.Disposition(raw); !ok || disp != "attachment" || params["filename"] != "data.bin" {
		t.Errorf("disposition %q %v %v", disp, params, ok)
	}
	if _, _, ok := text.Disposition(raw); ok {
		t.Error("a part without Content-Disposition has one")
	}
	if !msg.IsMessage() || msg.Enclosed.MediaType != "multipart" || len(msg.Enclosed.Children) != 2 {
		t.Fatalf("attached message: %+v", msg.Enclosed)
	}
	if v, _ := msg.Enclosed.Header.Get(raw, "From"); v != "inner@example.org" {
		t.Errorf("attached message From %q", v)
	}
	latin := msg.Enclosed.Children[0]
	if got := latin.Text(raw); got != "inner plain café" {
		t.Errorf("ISO-8859-1 text %q", got)
	}
	if v, _ := root.Header.Get(raw, "Subject"); DecodeHeader(v) != "Grüße report" {
		t.Errorf("decoded subject %q", DecodeHeader(v))
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, msg, mt, st string
		children          int
	}{
		{"no Content-Type", "Subject: a\r\n\r\nbody", "text", "plain", 0},
		{"unreadable Content-Type", "Content-Type: /\r\n\r\nbody", "text", "plain", 0},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\na\r\n--x--\r\n", "multipart", "mixed", 0},
		{"multipart never closed", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\na\r\n", "multipart", "mixed", 1},
		{"empty", "", "text", "plain", 0},
	} {
		p := Parse([]byte(c.msg))
		if p.MediaType != c.mt || p.SubType != c.st || len(p.Children) != c.children {
			t.Errorf("%s: %s/%s with %d children, want %s/%s with %d", c.name, p.MediaType, p.SubType, len(p.Children), c.mt, c.st, c.children)
		}
	}
	if p := Parse([]byte("Subject: a\r\n\r\nbody")); p.Params["charset"] != "us-ascii" {
		t.Errorf("default charset %q", p.Params["charset"])
	}
	// RFC 2046 §5.1.5: in a digest a part is a message unless it says so.
	digest := []byte("Content-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: d\r\n\r\nx\r\n--b--\r\n")
	root := Parse(digest)
	if len(root.Children) != 1 || !root.Children[0].IsMessage() {
		t.Fatalf("digest part: %+v", root.Children)
	}
	if v, _ := root.Children[0].Enclosed.Header.Get(digest, "Subject"); v != "d" {
		t.Errorf("digest part's message Subject %q", v)
	}
}

// A message cannot make the parser go deeper than MaxDepth.
func TestParseDepthLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < MaxDepth+10; i++ {
		b.WriteString("Content-Type: message/rfc822\r\n\r\n")
	}
	raw := []byte(b.String())
	depth := 0
	for p := Parse(raw); p.Enclosed != nil; p = p.Enclosed {
		depth++
	}
	if depth != MaxDepth {
		t.Errorf("depth %d, want %d", depth, MaxDepth)
	}
}

func TestParseHeaderOnly(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: a\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n")
	p := ParseHeader(raw)
	if p.MediaType != "" || p.Children != nil || p.BodyStart != strings.Index(string(raw), "--x") || p.End != len(raw) || len(p.Header) != 2 {
		t.Errorf("ParseHeader: %+v", p)
	}
}

func TestDecodeTransferEncoding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ enc, in, want string }{
		{"", "as is", "as is"},
		{" 8BIT ", "as is", "as is"},
		{"base64", "aGVs\r\nbG8=\r\n", "hello"},
		{"Base64", "aGVsbG8", "hello"},
		{"quoted-printable", "caf=C3=A9=\r\n!", "café!"},
	} {
		got, err := DecodeTransferEncoding([]byte(c.in), c.enc)
		if err != nil || string(got) != c.want {
			t.Errorf("%q %q: %q, %v; want %q", c.enc, c.in, got, err, c.want)
		}
	}
	if _, err := DecodeTransferEncoding([]byte("x"), "x-uuencode"); err != ErrUnknownEncoding {
		t.Errorf("unknown encoding: %v", err)
	}
}

func TestDecodeHeader(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                         "plain",
		"=?utf-8?q?J=C3=B6rg?=":         "Jörg",
		"=?iso-8859-1?q?caf=E9?=":       "café",
		"=?x-unknown?q?abc?=":           "=?x-unknown?q?abc?=",
		"=?iso-8859-1?b?/w==?= x":       "ÿ x",
		"raw \xff bytes":                "raw \uFFFD bytes",
		"=?utf-8?q?bad_=FF_utf8?= text": "bad \uFFFD utf8 text",
	} {
		if got := DecodeHeader(in); got != want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string // name <address>
	}{
		{"", nil},
		{"  ", nil},
		{"alice@example.com", []string{" <alice@example.com>"}},
		{`"Bob B" <bob@example.com>, carol@example.net`, []string{"Bob B <bob@example.com>", " <carol@example.net>"}},
		{"=?utf-8?q?J=C3=B6rg?= <joerg@example.org>", []string{"Jörg <joerg@example.org>"}},
		{"team: a@x, b@y;, c@z", []string{" <a@x>", " <b@y>", " <c@z>"}},
		{"good@x, not an address, other@y", []string{" <good@x>", " <other@y>"}},
	} {
		var got []string
		for _, a := range ParseAddressList(c.in) {
			got = append(got, a.Name+" <"+a.Address+">")
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("ParseAddressList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
