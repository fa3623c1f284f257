package message

import (
	"testing"
)

// FuzzParse: any input parses, without a panic, into parts whose ranges
// lie within the input and within their parent's body, and whose header
// block is the one HeaderSize and EachField see.
func FuzzParse(f *testing.F) {
	f.Add([]byte(multipart))
	f.Add([]byte("Subject: a\r\n\r\nbody\r\n"))
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: d\r\n\r\nx\r\n--b--"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--\r\n"))
	f.Add([]byte(" folded first\r\nA: b\r\r\n\nx"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		root := Parse(raw)
		if root.HeaderStart != 0 || root.End != len(raw) {
			t.Fatalf("root spans %d..%d of %d", root.HeaderStart, root.End, len(raw))
		}
		if hs := HeaderSize(raw); hs != root.BodyStart {
			t.Fatalf("HeaderSize %d, Parse's body at %d", hs, root.BodyStart)
		}
		n := 0
		EachField(raw, "Content-Type", func(f Field) bool {
			if n >= len(root.Header.Values(raw, "Content-Type")) {
				t.Fatalf("EachField finds a Content-Type field Parse does not: %q", f.Bytes(raw))
			}
			n++
			return true
		})
		if n != len(root.Header.Values(raw, "Content-Type")) {
			t.Fatalf("EachField found %d Content-Type fields, Parse %d", n, len(root.Header.Values(raw, "Content-Type")))
		}
		MessageID(raw)
		checkPart(t, raw, root, 0, len(raw))
	})
}

// checkPart checks p lies within [lo, hi] and reads its values, and its
// descendants' within its body.
func checkPart(t *testing.T, raw []byte, p *Part, lo, hi int) {
	t.Helper()
	if !(lo <= p.HeaderStart && p.HeaderStart <= p.BodyStart && p.BodyStart <= p.End && p.End <= hi) {
		t.Fatalf("part %d %d %d outside %d..%d", p.HeaderStart, p.BodyStart, p.End, lo, hi)
	}
	for _, f := range p.Header {
		if f.Start < p.HeaderStart || f.End > p.BodyStart || f.Start >= f.End {
			t.Fatalf("field %d..%d outside the header %d..%d", f.Start, f.End, p.HeaderStart, p.BodyStart)
		}
		DecodeHeader(f.Value(raw))
	}
	if p.MediaType == "" || p.SubType == "" {
		t.Fatalf("part without a media type")
	}
	p.Disposition(raw)
	p.Text(raw)
	if v, ok := p.Header.Get(raw, "To"); ok {
		ParseAddressList(v)
	}
	for _, c := range p.Children {
		checkPart(t, raw, c, p.BodyStart, p.End)
	}
	if p.Enclosed != nil {
		checkPart(t, raw, p.Enclosed, p.BodyStart, p.End)
	}
}
