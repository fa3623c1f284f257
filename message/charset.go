package message

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CharsetReader converts the charsets the standard library does not know
// but mail is commonly written in to UTF-8: ISO-8859-1 and Windows-1252
// (whose high half the latter mostly shares). Others are an error; a
// caller then compares their bytes. (golang.org/x/text is not a
// dependency.) Its signature is mime.WordDecoder's CharsetReader.
func CharsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252":
		return &latin1Reader{r: r}, nil
	}
	return nil, fmt.Errorf("charset %s not supported", charset)
}

// latin1Reader converts as it reads: a byte is a rune of the same number,
// so no state crosses reads and a 50 MB part needs no 50 MB buffer.
type latin1Reader struct {
	r   io.Reader
	in  []byte
	buf []byte // out's storage
	out []byte
	err error
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		if l.in == nil {
			l.in = make([]byte, 4096)
		}
		n, err := l.r.Read(l.in)
		l.buf = latin1ToUTF8(l.buf[:0], l.in[:n])
		l.out = l.buf
		l.err = err
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

func latin1ToUTF8(out, b []byte) []byte {
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// validUTF8 guards strings decoded from 8-bit charsets.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
