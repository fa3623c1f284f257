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
