package pop3

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

// What a client gets for a message: CRLF line ends, dots doubled at a
// line's start, TOP's cut after the header and n body lines.
func TestWriteDotStuffed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		lines    int
		want     string
	}{
		{"plain", "A: b\r\n\r\nbody\r\n", -1, "A: b\r\n\r\nbody\r\n"},
		{"dots", ".\r\n..x\r\n\r\n.\r\n", -1, "..\r\n...x\r\n\r\n..\r\n"},
		{"bare LF", "A: b\n\nx\ny", -1, "A: b\r\n\r\nx\r\ny\r\n"},
		{"no final line end", "A: b\r\n\r\nlast", -1, "A: b\r\n\r\nlast\r\n"},
		{"lone CR kept", "A: b\r\n\r\nx\ry\r\n", -1, "A: b\r\n\r\nx\ry\r\n"},
		{"empty", "", -1, ""},
		{"top 0", "A: b\r\nC: d\r\n\r\n1\r\n2\r\n", 0, "A: b\r\nC: d\r\n\r\n"},
		{"top 1", "A: b\r\n\r\n1\r\n2\r\n", 1, "A: b\r\n\r\n1\r\n"},
		{"top past the end", "A: b\r\n\r\n1\r\n", 5, "A: b\r\n\r\n1\r\n"},
		{"top of a header alone", "A: b\r\nC: d\r\n", 0, "A: b\r\nC: d\r\n"},
		{"top keeps an empty body line", "A: b\r\n\r\n\r\nx\r\n", 1, "A: b\r\n\r\n\r\n"},
	} {
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		// One byte at a time as well, so that fragments split CRLF.
		for _, src := range []string{"whole", "bytewise"} {
			out.Reset()
			var r = strings.NewReader(tc.in)
			if src == "bytewise" {
				if err := writeDotStuffed(w, bufio.NewReaderSize(iotest.OneByteReader(r), 16), tc.lines); err != nil {
					t.Fatal(err)
				}
			} else if err := writeDotStuffed(w, bufio.NewReader(r), tc.lines); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if out.String() != tc.want {
				t.Errorf("%s (%s): got %q, want %q", tc.name, src, out.String(), tc.want)
			}
		}
	}
}

// A line longer than the reader's buffer keeps its bytes, its CRLF split
// across two reads included.
func TestWriteDotStuffedLongLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 32<<10-1) + "\r"
	in := ".A: b\r\n\r\n" + long + "\n.y\r\n"
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := writeDotStuffed(w, bufio.NewReaderSize(strings.NewReader(in), bodyBuffer), -1); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if want := "..A: b\r\n\r\n" + long + "\n..y\r\n"; out.String() != want {
		t.Errorf("long line mangled: %d bytes, want %d", out.Len(), len(want))
	}
}
