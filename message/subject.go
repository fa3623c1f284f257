package message

import "strings"

// BaseSubject extracts the base subject of a Subject field's raw value
// (RFC 5256 §2.1), what SORT SUBJECT compares and THREAD groups by: the
// subject without its "Re:", "Fwd:", "[list]" and "(fwd)" decorations.
// reply reports whether a reply or forward decoration was taken off (a
// subj-refwd, a "(fwd)" trailer or a "[fwd: ...]" wrapper), which the
// REFERENCES algorithm needs (RFC 5256 §3, step 5.B). The result is not
// case-folded; callers compare it with their collation.
func BaseSubject(raw string) (base string, reply bool) {
	// Step 1: decode encoded words, turn tabs and line ends into spaces
	// and runs of spaces into one.
	s := squashSpace(DecodeHeader(raw))
	for {
		// Step 2: trailers "(fwd)" and white space, repeatedly.
		for {
			if t := strings.TrimRight(s, " "); t != s {
				s = t
				continue
			}
			if n := len(s) - len("(fwd)"); n >= 0 && strings.EqualFold(s[n:], "(fwd)") {
				s, reply = s[:n], true
				continue
			}
			break
		}
		// Steps 3 to 5: leaders and blobs, until neither is there.
		for {
			if n, refwd := subjLeader(s); n > 0 {
				s = s[n:]
				reply = reply || refwd
				continue
			}
			if n := subjBlob(s, 0); n > 0 && strings.TrimLeft(s[n:], " ") != "" {
				s = s[n:]
				continue
			}
			break
		}
		// Step 6: "[fwd: ...]" wraps a forwarded subject; unwrap, then
		// again from step 2.
		if len(s) >= len("[fwd:]") && strings.EqualFold(s[:len("[fwd:")], "[fwd:") && s[len(s)-1] == ']' {
			s, reply = s[len("[fwd:"):len(s)-1], true
			continue
		}
		return s, reply
	}
}

// squashSpace turns every tab, CR and LF into a space and every run of
// spaces into one (RFC 5256 §2.1 step 1).
func squashSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' {
			c = ' '
		}
		if c == ' ' && space {
			continue
		}
		space = c == ' '
		b.WriteByte(c)
	}
	return b.String()
}

// subjLeader returns the length of the subj-leader at the start of s,
// 0 when there is none, and whether it was a subj-refwd (RFC 5256 §5):
//
//	subj-leader = (*subj-blob subj-refwd) / WSP
//	subj-refwd  = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
func subjLeader(s string) (int, bool) {
	if s != "" && s[0] == ' ' {
		return 1, false
	}
	// *subj-blob: the blobs before "re" may be taken or not; try each
	// number of them, the most first, as the grammar allows either.
	var starts []int
	for pos := 0; ; {
		starts = append(starts, pos)
		n := subjBlob(s, pos)
		if n == 0 {
			break
		}
		pos += n
	}
	for k := len(starts) - 1; k >= 0; k-- {
		if n := subjRefwd(s, starts[k]); n > 0 {
			return starts[k] + n, true
		}
	}
	return 0, false
}

// subjRefwd returns the length of the subj-refwd at s[pos:], or 0.
func subjRefwd(s string, pos int) int {
	start := pos
	switch {
	case hasPrefixFold(s[pos:], "re"):
		pos += 2
	case hasPrefixFold(s[pos:], "fwd"):
		pos += 3
	case hasPrefixFold(s[pos:], "fw"):
		pos += 2
	default:
		return 0
	}
	for pos < len(s) && s[pos] == ' ' {
		pos++
	}
	pos += subjBlob(s, pos)
	if pos < len(s) && s[pos] == ':' {
		return pos + 1 - start
	}
	return 0
}

// subjBlob returns the length of the subj-blob at s[pos:], or 0:
//
//	subj-blob = "[" *BLOBCHAR "]" *WSP
//	BLOBCHAR  = %x01-5a / %x5c / %x5e-ff   ; any CHAR but "[" and "]"
func subjBlob(s string, pos int) int {
	if pos >= len(s) || s[pos] != '[' {
		return 0
	}
	end := pos + 1
	for end < len(s) && s[end] != ']' {
		if s[end] == '[' {
			return 0
		}
		end++
	}
	if end >= len(s) {
		return 0
	}
	end++
	for end < len(s) && s[end] == ' ' {
		end++
	}
	return end - pos
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
