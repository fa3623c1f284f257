package message

import (
	"bytes"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Finder looks for a needle, case-folded (strings.ToLower, as IMAP SEARCH
// compares: RFC 9051 §6.4.4), in text written to it in pieces. It keeps
// only the last len(needle)-1 folded bytes between pieces, where a match
// cut by a piece's edge must begin.
type Finder struct {
	needle []byte
	window []byte
	found  bool
}

// NewFinder returns a Finder for needle.
func NewFinder(needle string) *Finder {
	return &Finder{needle: []byte(strings.ToLower(needle))}
}

// Write adds a piece of valid UTF-8 text made of whole runes, and reports
// whether the needle has been found in the text so far.
func (f *Finder) Write(text []byte) bool {
	if f.found || len(f.needle) == 0 {
		f.found = true
		return true
	}
	f.window = appendLower(f.window, text)
	if bytes.Contains(f.window, f.needle) {
		f.found = true
		return true
	}
	if keep := len(f.needle) - 1; len(f.window) > keep {
		f.window = f.window[:copy(f.window, f.window[len(f.window)-keep:])]
	}
	return false
}

// appendLower appends text lower-cased rune by rune, as strings.ToLower.
func appendLower(dst, text []byte) []byte {
	for len(text) > 0 {
		c := text[0]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			text = text[1:]
			continue
		}
		r, size := utf8.DecodeRune(text)
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		text = text[size:]
	}
	return dst
}

// ContainsText reports whether the text of the message r holds (WalkText)
// contains needle, case-folded. It stops reading at the first match.
func ContainsText(r io.Reader, needle string) (bool, error) {
	f := NewFinder(needle)
	if f.Write(nil) {
		return true, nil
	}
	err := WalkText(r, func(text []byte) bool { return !f.Write(text) })
	return f.found, err
}
