package message

import (
	"mime"
	"net/mail"
	"strings"
)

// addressParser decodes RFC 2047 display names in the charsets
// CharsetReader knows. It holds no state between calls.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: CharsetReader}}

// ParseAddressList reads an address-list field value (RFC 5322 §3.4) as
// net/mail does: display names decoded, the members of a group listed in
// its place. A list the parser cannot take whole is read one
// comma-separated element at a time, so that one bad address does not lose
// the others. An empty value has no addresses.
func ParseAddressList(v string) []*mail.Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if list, err := addressParser.ParseList(v); err == nil {
		return list
	}
	var out []*mail.Address
	for _, el := range strings.Split(v, ",") {
		if a, err := addressParser.Parse(el); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// FirstAddress returns the display name and addr-spec of the first
// address of an address-list field value, as ParseAddressList would, or
// "" and "" when there is none. SORT reads the first From, To and Cc of
// every message of a mailbox, and most are a plain "Name <local@domain>"
// or "local@domain": those are read directly; anything with quotes,
// comments, groups, encoded words or escapes goes through the full
// parser.
func FirstAddress(v string) (name, addr string) {
	first := v
	if i := strings.IndexByte(v, ','); i >= 0 {
		first = v[:i]
	}
	if !strings.ContainsAny(first, "\"()\\;:[]") && !strings.Contains(first, "=?") {
		first = strings.TrimSpace(first)
		if lt := strings.IndexByte(first, '<'); lt >= 0 {
			if strings.HasSuffix(first, ">") && strings.Count(first, "<") == 1 {
				addr = first[lt+1 : len(first)-1]
				if simpleAddrSpec(addr) {
					return strings.Join(strings.Fields(first[:lt]), " "), addr
				}
			}
		} else if simpleAddrSpec(first) {
			return "", first
		}
	}
	list := ParseAddressList(v)
	if len(list) == 0 {
		return "", ""
	}
	return list[0].Name, list[0].Address
}

// simpleAddrSpec: s is local@domain of plain ASCII characters, one "@"
// and no white space.
func simpleAddrSpec(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
