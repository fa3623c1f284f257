package imap

import (
	"strings"

	"chapar/message"
)

// SEARCH FROM, TO, CC and BCC (RFC 3501 §6.4.4) match "the string in the
// envelope structure's field": the whole address text, display name and
// address both, as Cyrus and Dovecot match it. The field as written
// (decoded, unfolded) finds "Doe, John" and "john.doe@example.org"; the
// addresses as a client shows them, Name <address>, find what spans the
// two, such as "John <john.doe", which the quotes of a written
// "Doe, John" <john.doe@example.org> would hide.

// addressContains: some field called name contains s, as written or as
// its addresses read.
func (sm *searchMsg) addressContains(name, s string) bool {
	hdr := sm.fm.headerBlock()
	needle := fold(s)
	// A needle of one word finds in the addresses as read only what the
	// field as written holds: parsing is for one with spaces or the
	// characters that quoting and the <> form move about.
	spans := strings.ContainsAny(needle, " \t<>,:;\"\\")
	found := false
	message.EachField(hdr, name, func(f message.Field) bool {
		v := f.Value(hdr)
		found = strings.Contains(fold(message.DecodeHeader(v)), needle) ||
			spans && strings.Contains(fold(addressText(v)), needle)
		return !found
	})
	return found
}

// addressText writes an address list as a client shows it: "Name
// <mailbox@host>" or the bare address, a group as "Name: ...;", joined by
// ", ".
func addressText(v string) string {
	var b strings.Builder
	sep := ""
	for _, it := range message.AddressItems(v) {
		switch {
		case it.GroupEnd:
			b.WriteByte(';')
			sep = ", "
			continue
		case it.Address == nil:
			b.WriteString(sep)
			b.WriteString(it.Group)
			b.WriteByte(':')
			sep = " "
			continue
		}
		b.WriteString(sep)
		if it.Address.Name != "" {
			b.WriteString(it.Address.Name)
			b.WriteString(" <")
			b.WriteString(it.Address.Address)
			b.WriteByte('>')
		} else {
			b.WriteString(it.Address.Address)
		}
		sep = ", "
	}
	return b.String()
}
