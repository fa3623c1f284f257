package message

import (
	"net/mail"
	"strings"
)

// RFC 5322 §3.4: an address list holds mailboxes and groups,
// `display-name ":" [group-list] ";"`. net/mail lists a group's members in
// its place and forgets the group; IMAP's ENVELOPE keeps it (RFC 3501
// §7.4.2), so AddressItems finds the groups first and leaves each run of
// plain mailboxes, inside or outside a group, to ParseAddressList.

// AddressItem is one element of an address list: a mailbox, or the start
// (Group set) or end (GroupEnd) of a group.
type AddressItem struct {
	Address  *mail.Address // nil at a group's start or end
	Group    string        // a group's display name, decoded, at its start
	GroupEnd bool
}

// AddressItems reads an address-list field value with its groups. A group
// whose ";" is missing ends with the value.
func AddressItems(v string) []AddressItem {
	var out []AddressItem
	plain := func(s string) {
		for _, a := range ParseAddressList(s) {
			out = append(out, AddressItem{Address: a})
		}
	}
	for _, c := range splitGroups(v) {
		if !c.group {
			plain(c.text)
			continue
		}
		out = append(out, AddressItem{Group: groupName(c.name)})
		plain(c.text)
		out = append(out, AddressItem{GroupEnd: true})
	}
	return out
}

// groupChunk is a stretch of an address list: plain addresses, or a
// group's name and members.
type groupChunk struct {
	group      bool
	name, text string
}

// splitGroups cuts v at the ":" and ";" that open and close groups: those
// outside quoted strings, comments and angle brackets (where an obsolete
// route, "<@a,@b:x@y>", has a colon of its own).
func splitGroups(v string) []groupChunk {
	var out []groupChunk
	start := 0     // where the current chunk's text begins
	segStart := 0  // after the last top-level "," ";" or ":"
	nameStart := 0 // where the open group's text begins (after ':')
	inGroup, quoted, angle := false, false, false
	comment := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || comment > 0):
			i++
		case quoted:
			quoted = c != '"'
		case c == '(':
			comment++
		case comment > 0:
			if c == ')' {
				comment--
			}
		case c == '"':
			quoted = true
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case angle:
		case c == ',':
			segStart = i + 1
		case c == ':' && !inGroup:
			if pre := v[start:segStart]; strings.TrimSpace(pre) != "" {
				out = append(out, groupChunk{text: pre})
			}
			out = append(out, groupChunk{group: true, name: v[segStart:i]})
			inGroup, nameStart = true, i+1
			segStart = i + 1
		case c == ';' && inGroup:
			out[len(out)-1].text = v[nameStart:i]
			inGroup = false
			start, segStart = i+1, i+1
		}
	}
	if inGroup {
		out[len(out)-1].text = v[nameStart:]
	} else if strings.TrimSpace(v[start:]) != "" {
		out = append(out, groupChunk{text: v[start:]})
	}
	return out
}

// groupName turns a display-name phrase into text: comments dropped,
// quoted strings unquoted, encoded words decoded (RFC 2047 §5).
func groupName(phrase string) string {
	var b strings.Builder
	quoted, comment := false, 0
	for i := 0; i < len(phrase); i++ {
		c := phrase[i]
		switch {
		case c == '\\' && (quoted || comment > 0) && i+1 < len(phrase):
			i++
			if comment == 0 {
				b.WriteByte(phrase[i])
			}
		case quoted:
			if c == '"' {
				quoted = false
			} else {
				b.WriteByte(c)
			}
		case c == '(':
			comment++
		case comment > 0:
			if c == ')' {
				comment--
			}
		case c == '"':
			quoted = true
		default:
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(DecodeHeader(b.String())), " ")
}
