package message

import (
	"bytes"
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
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read %s text: %w", charset, err)
		}
		return bytes.NewReader(latin1ToUTF8(b)), nil
	}
	return nil, fmt.Errorf("charset %s not supported", charset)
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
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
