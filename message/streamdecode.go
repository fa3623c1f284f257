package message

import (
	"encoding/base64"
	"io"
	"unicode/utf8"
)

// Streaming forms of DecodeTransferEncoding's base64 and of validUTF8, for
// WalkText: each holds a few bytes between reads, never the part.

// base64Reader decodes base64 as DecodeTransferEncoding does: white space
// skipped, padding at the end optional, and damage (a '=' before the end
// among it) ends the text with what decoded before it.
type base64Reader struct {
	r    io.Reader
	in   []byte // read, cleaned of white space: whole quanta go out
	pads int    // '=' read and held: trailing ones are dropped
	raw  []byte
	buf  []byte // out's storage
	out  []byte
	done bool
}

func newBase64Reader(r io.Reader) *base64Reader {
	return &base64Reader{r: r, raw: make([]byte, 4096)}
}

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.done {
			return 0, io.EOF
		}
		n, err := b.r.Read(b.raw)
		end := err != nil
		for _, c := range b.raw[:n] {
			switch c {
			case '\r', '\n', ' ', '\t':
			case '=':
				b.pads++
			default:
				// Padding followed by data is damage: the decoder
				// meets it where the whole part's decoding would.
				for ; b.pads > 0; b.pads-- {
					b.in = append(b.in, '=')
				}
				b.in = append(b.in, c)
			}
		}
		whole := len(b.in) / 4 * 4
		if end {
			whole = len(b.in) // the last, short quantum too
		}
		if need := base64.RawStdEncoding.DecodedLen(whole); cap(b.buf) < need {
			b.buf = make([]byte, need)
		}
		got, derr := base64.RawStdEncoding.Decode(b.buf[:cap(b.buf)], b.in[:whole])
		b.out = b.buf[:got]
		b.in = append(b.in[:0], b.in[whole:]...)
		b.done = end || derr != nil
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// validUTF8Reader replaces invalid UTF-8 with U+FFFD, holding back the
// bytes of a rune cut by a read until the next.
type validUTF8Reader struct {
	r    io.Reader
	buf  []byte
	text []byte // out's storage
	out  []byte
	held int // bytes at buf's start carried from the last read
	done bool
}

func newValidUTF8Reader(r io.Reader) *validUTF8Reader {
	return &validUTF8Reader{r: r, buf: make([]byte, 8192)}
}

func (v *validUTF8Reader) Read(p []byte) (int, error) {
	for len(v.out) == 0 {
		if v.done {
			return 0, io.EOF
		}
		n, err := v.r.Read(v.buf[v.held:])
		n += v.held
		v.held = 0
		if err != nil {
			v.done = true
		}
		text := v.buf[:n]
		if !v.done {
			// A rune cut at the end waits for its other bytes.
			for k := 1; k < utf8.UTFMax && k <= len(text); k++ {
				if utf8.RuneStart(text[len(text)-k]) {
					if !utf8.FullRune(text[len(text)-k:]) {
						v.held = k
					}
					break
				}
			}
		}
		v.text = appendValidUTF8(v.text[:0], text[:len(text)-v.held])
		v.out = v.text
		copy(v.buf, text[len(text)-v.held:])
	}
	n := copy(p, v.out)
	v.out = v.out[n:]
	return n, nil
}

// appendValidUTF8 appends b with each run of invalid bytes replaced by
// one U+FFFD, as strings.ToValidUTF8 does.
func appendValidUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...) // nearly always, and much faster to know
	}
	bad := false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			if !bad {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			}
			bad = true
		} else {
			dst = append(dst, b[:size]...)
			bad = false
		}
		b = b[size:]
	}
	return dst
}
