package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPreview(t *testing.T) {
	long := strings.Repeat("word ", 100)
	for _, c := range []struct {
		name, msg, want string
	}{
		{"plain", "Subject: x\r\n\r\nHello  there,\r\n\r\n  how are\tyou?\r\n", "Hello there, how are you?"},
		{"quoted lines left out", "Subject: x\r\n\r\nYes.\r\n> Shall we?\r\n  > quoted too\r\nSee you\r\n", "Yes. See you"},
		{"no body", "Subject: x\r\n\r\n", ""},
		{"quoted-printable latin-1", "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 cr=E8me=\r\n ok\r\n", "Café crème ok"},
		{"plain wins over html", "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>HTML</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlain\r\n--b--\r\n", "Plain"},
		{"html stripped", "Content-Type: text/html\r\n\r\n<html><head><style>p{color:red}</style><script>var x=1<2;</script></head><body><!-- note --><p>Fish &amp; chips</p><p>today</p></body></html>\r\n", "Fish & chips today"},
		{"attachment skipped", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b\r\nContent-Type: text/plain\r\n\r\nthe text\r\n--b--\r\n", "the text"},
		{"attached message not looked into", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n--b--\r\n", ""},
		{"base64", "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n", "hello world"},
		{"cut at a word", "\r\n" + long, strings.TrimSpace(strings.Repeat("word ", 51))},
	} {
		raw := []byte(c.msg)
		if got := Preview(raw, Parse(raw)); got != c.want {
			t.Errorf("%s: Preview = %q, want %q", c.name, got, c.want)
		}
	}
}

// A preview is at most PreviewMax characters, counted in characters, and
// never splits one.
func TestPreviewLimit(t *testing.T) {
	for _, text := range []string{strings.Repeat("é", 300), strings.Repeat("x", 1000), strings.Repeat("ab ", 200)} {
		raw := []byte("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text)
		got := Preview(raw, Parse(raw))
		if n := utf8.RuneCountInString(got); n > PreviewMax || n < PreviewMax*3/4 || !utf8.ValidString(got) {
			t.Errorf("preview of %.10q...: %d characters, valid %v", text, n, utf8.ValidString(got))
		}
	}
}

func FuzzPreview(f *testing.F) {
	f.Add([]byte("Content-Type: text/html\r\n\r\n<scr<script>ipt>x</script><!--"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\n> q\r\n--b--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Preview(raw, Parse(raw))
		if utf8.RuneCountInString(got) > PreviewMax || !utf8.ValidString(got) {
			t.Fatalf("preview %q", got)
		}
	})
}
