package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"chapar/message"
)

func TestReadMessageLineEndings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in, want string }{
		{"CRLF kept", "Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\nbody\r\n"},
		{"bare LF becomes CRLF", "Subject: a\n\nline one\nline two\n", "Subject: a\r\n\r\nline one\r\nline two\r\n"},
		{"mixed", "Subject: a\r\nFrom: b\n\r\nx\ny\r\n", "Subject: a\r\nFrom: b\r\n\r\nx\r\ny\r\n"},
		{"no final newline", "Subject: a\r\n\r\nlast", "Subject: a\r\n\r\nlast"},
		{"empty", "", ""},
		{"a dot line", "Subject: a\r\n\r\n.\r\n..\r\n", "Subject: a\r\n\r\n.\r\n..\r\n"},
		{"8-bit body", "Subject: a\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\n", "Subject: a\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n"},
	} {
		got, err := readMessage(nil, strings.NewReader(c.in), 0)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: readMessage(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
		// The same through a reader that hands over one byte at a time.
		got, err = readMessage(nil, iotest.OneByteReader(strings.NewReader(c.in)), 0)
		if err != nil || string(got) != c.want {
			t.Errorf("%s, byte by byte: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func wantContentError(t *testing.T, what string, err error) {
	t.Helper()
	var ce *contentError
	if !errors.As(err, &ce) || ce.enhanced != "5.6.0" {
		t.Errorf("%s: error %v, want a 5.6.0 content error", what, err)
	}
}

func TestReadMessageRefusesWhatTheStoreMustNotKeep(t *testing.T) {
	t.Parallel()
	_, err := readMessage(nil, strings.NewReader("Subject: a\r\n\r\nnul \x00 here\r\n"), 0)
	wantContentError(t, "NUL in the body", err)
	_, err = readMessage(nil, strings.NewReader("Subj\x00ect: a\r\n\r\nbody\r\n"), 0)
	wantContentError(t, "NUL in a header", err)

	line := "X-Long: " + strings.Repeat("a", 998-len("X-Long: "))
	if got, err := readMessage(nil, strings.NewReader(line+"\r\n\r\nbody\r\n"), 0); err != nil || !strings.HasPrefix(string(got), line+"\r\n") {
		t.Errorf("a 998-octet header line: %v, want it kept", err)
	}
	_, err = readMessage(nil, strings.NewReader(line+"a\r\n\r\nbody\r\n"), 0)
	wantContentError(t, "a 999-octet header line", err)
	_, err = readMessage(nil, strings.NewReader(line+"a\n\nbody\n"), 0)
	wantContentError(t, "a 999-octet header line ending in LF", err)
	_, err = readMessage(nil, strings.NewReader("X-Huge: "+strings.Repeat("h", 100<<10)+"\r\n\r\nbody\r\n"), 0)
	wantContentError(t, "a header line larger than the read buffer", err)
	_, err = readMessage(nil, strings.NewReader("Subject: a\r\n\r\n"+strings.Repeat("b", 100<<10)+"\x00\r\n"), 0)
	wantContentError(t, "NUL at the end of a body line larger than the read buffer", err)
}

func TestReadMessageKeepsLongBodyLines(t *testing.T) {
	t.Parallel()
	for _, n := range []int{999, 5000, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200 << 10} {
		body := strings.Repeat("b", n)
		in := "Subject: long\r\n\r\n" + body + "\r\nnext\r\n"
		got, err := readMessage(nil, strings.NewReader(in), 0)
		if err != nil || string(got) != in {
			t.Errorf("a %d-octet body line: %d octets back, %v; want the message unchanged (%d octets)", n, len(got), err, len(in))
		}
	}
}

// Wherever the read buffer happens to end, a line's CRLF stays one CRLF:
// a body line of 64 KiB - 1 octets puts its CR last in the 64 KiB buffer
// and its LF first in the next read.
func TestReadMessageCRLFAcrossTheReadBuffer(t *testing.T) {
	t.Parallel()
	for _, n := range []int{64<<10 - 2, 64<<10 - 1, 128<<10 - 1} {
		in := "Subject: x\r\n\r\n" + strings.Repeat("b", n) + "\r\nnext\r\n"
		got, err := readMessage(nil, strings.NewReader(in), 0)
		if err != nil {
			t.Fatalf("line of %d: %v", n, err)
		}
		if string(got) != in {
			t.Errorf("a %d-octet body line comes back changed: %d octets for %d, CR CR at %d",
				n, len(got), len(in), strings.Index(string(got), "\r\r"))
		}
	}
}

func TestReadMessageSizeLimit(t *testing.T) {
	t.Parallel()
	msg := "Subject: a\r\n\r\n" + strings.Repeat("x", 100) + "\r\n"
	if _, err := readMessage(nil, strings.NewReader(msg), int64(len(msg))); err != nil {
		t.Errorf("a message exactly at the limit: %v", err)
	}
	if _, err := readMessage(nil, strings.NewReader(msg), int64(len(msg)-1)); !errors.Is(err, errTooBig) {
		t.Errorf("one octet over the limit: %v, want errTooBig", err)
	}
	// Bare LFs count as the CRLFs they become.
	lf := "Subject: a\n\n" + strings.Repeat("x", 100) + "\n"
	if _, err := readMessage(nil, strings.NewReader(lf), int64(len(lf))); !errors.Is(err, errTooBig) {
		t.Errorf("bare-LF message growing past the limit: %v, want errTooBig", err)
	}
	big := "Subject: a\r\n\r\n" + strings.Repeat("y", 300<<10) + "\r\n"
	if _, err := readMessage(nil, strings.NewReader(big), 100<<10); !errors.Is(err, errTooBig) {
		t.Errorf("a long line past the limit: %v, want errTooBig", err)
	}
}

func TestReadMessagePassesReadErrorsOn(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	_, err := readMessage(nil, io.MultiReader(strings.NewReader("Subject: a\r\n"), iotest.ErrReader(boom)), 0)
	if !errors.Is(err, boom) {
		t.Errorf("read error: %v, want %v", err, boom)
	}
}

// FuzzReadMessage: readMessage only ever adds or drops CRs, leaves no LF
// without its CR, and refuses only what holds a NUL or an over-long
// header line.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte("Subject: a\r\n\r\nbody\r\n"))
	f.Add([]byte("Subject: a\n\nbody\nmore\n"))
	f.Add([]byte("A: b\r\r\n\r\nx\r"))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := readMessage(nil, strings.NewReader(string(in)), 0)
		noCR := func(b []byte) string { return strings.ReplaceAll(string(b), "\r", "") }
		if err != nil {
			var ce *contentError
			if !errors.As(err, &ce) {
				t.Fatalf("unexpected error %v", err)
			}
			if !strings.Contains(string(in), "\x00") && !hasLongHeaderLine(string(in)) {
				t.Fatalf("refused %q (%v) though it has no NUL and no long header line", in, err)
			}
			return
		}
		if noCR(out) != noCR(in) {
			t.Fatalf("readMessage(%q) = %q: more than CRs changed", in, out)
		}
		for i, c := range out {
			if c == '\n' && (i == 0 || out[i-1] != '\r') {
				t.Fatalf("readMessage(%q) = %q: bare LF at %d", in, out, i)
			}
		}
	})
}

func hasLongHeaderLine(msg string) bool {
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return false
		}
		if len(line) > message.MaxLineLength {
			return true
		}
	}
	return false
}
