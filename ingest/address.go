package ingest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Address is an envelope recipient split the way Cyrus's lmtpd reads it:
// local part, optional "+detail", optional domain.
type Address struct {
	Local  string
	Detail string
	Domain string
}

// ParseAddress splits an RCPT TO address (without angle brackets). It
// accepts a quoted local part and refuses what no mailbox could match.
func ParseAddress(s string) (Address, error) {
	if s == "" {
		return Address{}, fmt.Errorf("empty address")
	}
	if len(s) > 512 {
		return Address{}, fmt.Errorf("address longer than 512 octets")
	}
	local, domain := s, ""
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		local, domain = s[:i], s[i+1:]
		if domain == "" {
			return Address{}, fmt.Errorf("empty domain in %q", s)
		}
		if strings.ContainsAny(domain, " \t\"\\<>()[],;:@") && !isAddressLiteral(domain) {
			return Address{}, fmt.Errorf("bad domain in %q", s)
		}
		if !utf8.ValidString(domain) || strings.ContainsFunc(domain, isControl) {
			return Address{}, fmt.Errorf("bad domain in %q", s)
		}
	}
	if strings.HasPrefix(local, "\"") {
		unq, err := unquote(local)
		if err != nil {
			return Address{}, err
		}
		local = unq
	}
	if local == "" {
		return Address{}, fmt.Errorf("empty local part in %q", s)
	}
	if strings.ContainsFunc(local, isControl) {
		return Address{}, fmt.Errorf("control character in %q", s)
	}
	a := Address{Local: local, Domain: strings.ToLower(domain)}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		a.Local, a.Detail = local[:i], local[i+1:]
		if a.Local == "" {
			return Address{}, fmt.Errorf("empty user before '+' in %q", s)
		}
	}
	return a, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func isAddressLiteral(d string) bool {
	return strings.HasPrefix(d, "[") && strings.HasSuffix(d, "]") && !strings.ContainsAny(d[1:len(d)-1], "[]\\ ")
}

func unquote(q string) (string, error) {
	if len(q) < 2 || q[len(q)-1] != '"' {
		return "", fmt.Errorf("unterminated quoted local part")
	}
	var b strings.Builder
	body := q[1 : len(q)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case '\\':
			i++
			if i == len(body) {
				return "", fmt.Errorf("dangling backslash in quoted local part")
			}
			b.WriteByte(body[i])
		case '"':
			return "", fmt.Errorf("stray quote in local part")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
