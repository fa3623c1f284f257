package imap

import (
	"bytes"

	"chapar/message"
)

// sectionData returns the octets BODY[section] names (RFC 9051 §6.4.5),
// or nil for a part the message does not have.
func sectionData(raw []byte, root *message.Part, sec section) []byte {
	node := root
	if len(sec.path) > 0 {
		if node = findPart(root, sec.path); node == nil {
			return nil
		}
		switch sec.text {
		case "":
			return raw[node.BodyStart:node.End]
		case "MIME":
			return raw[node.HeaderStart:node.BodyStart]
		}
		// HEADER and TEXT of a part apply to a message/rfc822 part only.
		if !node.IsMessage() {
			return nil
		}
		node = node.Enclosed
	}
	switch sec.text {
	case "":
		return raw[node.HeaderStart:node.End]
	case "HEADER":
		return raw[node.HeaderStart:node.BodyStart]
	case "TEXT":
		return raw[node.BodyStart:node.End]
	case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		return headerFields(raw, node, sec.fields, sec.text == "HEADER.FIELDS.NOT")
	}
	return nil
}

// findPart resolves a section part number path (RFC 9051 §6.4.5): numbers
// index the children of a multipart; a message/rfc822 part is entered on
// the way; in a single-part entity only part 1 exists, the entity itself.
func findPart(p *message.Part, path []int) *message.Part {
	cur := p
	for i, n := range path {
		if i > 0 && cur.IsMessage() {
			cur = cur.Enclosed
		}
		if cur.MediaType == "multipart" {
			if n < 1 || n > len(cur.Children) {
				return nil
			}
			cur = cur.Children[n-1]
		} else if n != 1 {
			return nil
		}
	}
	return cur
}

// headerFields keeps (or, with not, drops) the named fields, in message
// order, and ends with the empty line (RFC 9051 §6.4.5 HEADER.FIELDS).
func headerFields(raw []byte, p *message.Part, names []string, not bool) []byte {
	var out []byte
	for _, f := range p.Header {
		if f.Name == "" || containsFold(names, f.Name) == not {
			continue
		}
		out = append(out, f.Bytes(raw)...)
		if !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, "\r\n"...)
		}
	}
	return append(out, "\r\n"...)
}

// binaryData returns BINARY[path]: the part's body with its
// Content-Transfer-Encoding removed (RFC 3516 §4.2), or
// message.ErrUnknownEncoding (answered UNKNOWN-CTE, §4.3). The whole
// message and non-leaf parts are returned as they are.
func binaryData(raw []byte, root *message.Part, path []int) ([]byte, error) {
	if len(path) == 0 {
		return raw, nil
	}
	node := findPart(root, path)
	if node == nil {
		return nil, nil
	}
	if node.MediaType == "multipart" || node.IsMessage() {
		return node.Body(raw), nil
	}
	return node.Decoded(raw)
}
