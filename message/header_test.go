package message

import (
	"strings"
	"testing"
)

// EachField finds a field as Parse does: any case, space before the colon,
// continuation lines, and not a longer name that begins the same.
func TestEachField(t *testing.T) {
	t.Parallel()
	hdr := []byte("subject : first\r\n\tfolded\r\nSubjects: not this\r\nX-Subject: nor this\r\n" +
		"SUBJECT: second\r\n\r\nSubject: in the body\r\n")
	var got []string
	EachField(hdr, "Subject", func(f Field) bool {
		got = append(got, f.Value(hdr))
		return true
	})
	want := []string{"first\tfolded", "second"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("fields = %q, want %q", got, want)
	}
	// The same fields Parse finds.
	if parsed := Parse(hdr).Header.Values(hdr, "Subject"); strings.Join(parsed, "|") != strings.Join(want, "|") {
		t.Errorf("Parse found %q", parsed)
	}
	n := 0
	EachField(hdr, "Subject", func(Field) bool { n++; return false })
	if n != 1 {
		t.Errorf("fn returning false was called %d times, want 1", n)
	}
}

func TestHeaderGetAndBytes(t *testing.T) {
	t.Parallel()
	raw := []byte("Received: a\r\n  b\r\nReceived: c\r\nnot a field\r\nTo: x@y\r\n\r\nbody")
	h := ParseHeader(raw).Header
	if len(h) != 4 {
		t.Fatalf("%d fields, want 4: %+v", len(h), h)
	}
	if v, ok := h.Get(raw, "received"); !ok || v != "a  b" {
		t.Errorf("Get(received) = %q, %v", v, ok)
	}
	if v, ok := h.Get(raw, "Cc"); ok || v != "" {
		t.Errorf("Get(Cc) = %q, %v; want absent", v, ok)
	}
	if vs := h.Values(raw, "RECEIVED"); strings.Join(vs, "|") != "a  b|c" {
		t.Errorf("Values(Received) = %q", vs)
	}
	if h[2].Name != "" || string(h[2].Bytes(raw)) != "not a field\r\n" {
		t.Errorf("a line without a colon: %+v %q", h[2], h[2].Bytes(raw))
	}
	if string(h[0].Bytes(raw)) != "Received: a\r\n  b\r\n" {
		t.Errorf("a folded field's bytes: %q", h[0].Bytes(raw))
	}
}

// HeaderSize is where Parse puts the body, so that the store's recorded
// header block is the block IMAP parses.
func TestHeaderSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, msg string
		want      int
	}{
		{"CRLF", "Subject: a\r\nTo: b\r\n\r\nbody\r\n", len("Subject: a\r\nTo: b\r\n\r\n")},
		{"LF", "Subject: a\n\nbody\n", len("Subject: a\n\n")},
		{"no body", "Subject: a\r\n", len("Subject: a\r\n")},
		{"no header", "\r\nbody\r\n", 2},
		{"bare LF first", "\nbody\n\nmore", 1},
		{"empty", "", 0},
		{"CR CR LF ends it too", "Subject: a\r\n\r\r\nbody", len("Subject: a\r\n\r\r\n")},
		{"folded", "Subject: a\r\n b\r\n\r\n", len("Subject: a\r\n b\r\n\r\n")},
	} {
		if got := HeaderSize([]byte(c.msg)); got != c.want {
			t.Errorf("%s: HeaderSize = %d, want %d", c.name, got, c.want)
		}
		if got := Parse([]byte(c.msg)).BodyStart; got != c.want {
			t.Errorf("%s: Parse puts the body at %d, want %d", c.name, got, c.want)
		}
	}
}

func TestMessageID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, msg, want string }{
		{"plain", "From: a@b\r\nMessage-ID: <abc@example.org>\r\nSubject: x\r\n\r\nbody\r\n", "<abc@example.org>"},
		{"case of the name", "message-id:   <abc@example.org>  \r\n\r\n", "<abc@example.org>"},
		{"folded", "Subject: x\r\nMessage-ID:\r\n <folded@example.org>\r\n\r\nbody\r\n", "<folded@example.org>"},
		{"missing", "From: a@b\r\nSubject: x\r\n\r\nbody\r\n", ""},
		{"only in the body", "Subject: x\r\n\r\nMessage-ID: <body@example.org>\r\n", ""},
		{"no body", "Message-ID: <nobody@example.org>\r\n", "<nobody@example.org>"},
		{"no header/body separator", "Message-ID: <x@y>", "<x@y>"},
		{"empty", "", ""},
		{"first of two", "Message-ID: <one@x>\r\nMessage-ID: <two@x>\r\n\r\n", "<one@x>"},
		{"bare LF", "Message-Id: <lf@x>\n\nbody\n", "<lf@x>"},
		{"not a longer name", "Message-IDs: <no@x>\r\nMessage-ID: <yes@x>\r\n\r\n", "<yes@x>"},
	} {
		if got := MessageID([]byte(c.msg)); got != c.want {
			t.Errorf("%s: MessageID = %q, want %q", c.name, got, c.want)
		}
	}
}
