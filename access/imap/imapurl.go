package imap

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// imapURL is the part of an IMAP URL (RFC 5092) that names one message or
// a section of it, as CATENATE (RFC 4469 §3) takes it:
//
//	[imap://authority] "/" enc-mailbox [";UIDVALIDITY=" n] "/;UID=" n
//	    ["/;SECTION=" enc-section] ["/;PARTIAL=" offset ["." length]]
//
// The authority of an absolute URL is not compared with this server's
// names, which a server behind a proxy cannot know: the mailbox is looked
// up here, for the session's user, with the session's rights.
type imapURL struct {
	mailbox     string // UTF-8, as the client sees it (RFC 5092 §3.2)
	uidValidity uint32 // 0: not given
	uid         uint32
	section     string // "" for the whole message
	partial     *partialRange
}

// parseIMAPURL reads a URL; the error says what is wrong, for BADURL.
func parseIMAPURL(raw string) (*imapURL, error) {
	path := raw
	if rest, ok := cutPrefixFold(raw, "imap://"); ok {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return nil, fmt.Errorf("no mailbox")
		}
		path = rest[i:]
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("not an IMAP URL")
	}
	parts := strings.Split(path[1:], "/;")
	u := &imapURL{}
	mbox, params := parts[0], parts[1:]
	if i := indexFold(mbox, ";UIDVALIDITY="); i >= 0 {
		v, err := parseNZ(mbox[i+len(";UIDVALIDITY="):])
		if err != nil {
			return nil, fmt.Errorf("UIDVALIDITY: %w", err)
		}
		u.uidValidity, mbox = v, mbox[:i]
	}
	name, err := url.PathUnescape(mbox)
	if err != nil || name == "" || !utf8.ValidString(name) {
		return nil, fmt.Errorf("bad mailbox name")
	}
	u.mailbox = name
	for _, p := range params {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(key) {
		case "UID":
			if u.uid, err = parseNZ(val); err != nil {
				return nil, fmt.Errorf("UID: %w", err)
			}
		case "SECTION":
			if u.section, err = url.PathUnescape(val); err != nil {
				return nil, fmt.Errorf("bad SECTION")
			}
		case "PARTIAL":
			off, length, hasLen := strings.Cut(val, ".")
			o, err1 := strconv.ParseInt(off, 10, 64)
			r := &partialRange{offset: o, count: 1 << 62}
			var err2 error
			if hasLen {
				r.count, err2 = strconv.ParseInt(length, 10, 64)
			}
			if err1 != nil || err2 != nil || o < 0 || (hasLen && r.count <= 0) {
				return nil, fmt.Errorf("bad PARTIAL")
			}
			u.partial = r
		default:
			return nil, fmt.Errorf("unexpected ;%s", key)
		}
	}
	if u.uid == 0 {
		return nil, fmt.Errorf("no UID")
	}
	return u, nil
}

func parseNZ(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("expected a non-zero number, got %q", s)
	}
	return uint32(v), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// indexFold finds sub (ASCII) in s, ignoring case. It compares windows
// of s in place: upper-casing s first would move byte offsets wherever a
// character's cases differ in length.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// lastIndexFold is indexFold's last match.
func lastIndexFold(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
