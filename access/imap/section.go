package imap

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
)

// sectionData returns the octets BODY[section] names (RFC 9051 §6.4.5),
// or nil for a part the message does not have.
func sectionData(raw []byte, root *part, sec section) []byte {
	node := root
	if len(sec.path) > 0 {
		if node = root.find(sec.path); node == nil {
			return nil
		}
		switch sec.text {
		case "":
			return raw[node.bodyStart:node.end]
		case "MIME":
			return raw[node.hdrStart:node.bodyStart]
		}
		// HEADER and TEXT of a part apply to a message/rfc822 part only.
		if !node.isMessage() {
			return nil
		}
		node = node.inner
	}
	switch sec.text {
	case "":
		return raw[node.hdrStart:node.end]
	case "HEADER":
		return raw[node.hdrStart:node.bodyStart]
	case "TEXT":
		return raw[node.bodyStart:node.end]
	case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		return headerFields(raw, node, sec.fields, sec.text == "HEADER.FIELDS.NOT")
	}
	return nil
}

// headerFields keeps (or, with not, drops) the named fields, in message
// order, and ends with the empty line (RFC 9051 §6.4.5 HEADER.FIELDS).
func headerFields(raw []byte, p *part, names []string, not bool) []byte {
	var out []byte
	for _, f := range p.fields {
		if f.name == "" || containsFold(names, f.name) == not {
			continue
		}
		out = append(out, raw[f.start:f.end]...)
		if !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, "\r\n"...)
		}
	}
	return append(out, "\r\n"...)
}

// errUnknownCTE: BINARY of a part in an encoding we cannot decode
// (RFC 3516 §4.3, response code UNKNOWN-CTE).
var errUnknownCTE = errors.New("unknown content-transfer-encoding")

// binaryData returns BINARY[path]: the part's body with its
// Content-Transfer-Encoding removed (RFC 3516 §4.2). The whole message
// and non-leaf parts are returned as they are.
func binaryData(raw []byte, root *part, path []int) ([]byte, error) {
	if len(path) == 0 {
		return raw, nil
	}
	node := root.find(path)
	if node == nil {
		return nil, nil
	}
	body := raw[node.bodyStart:node.end]
	if node.mediaType == "multipart" || node.isMessage() {
		return body, nil
	}
	enc, _ := node.header(raw, "Content-Transfer-Encoding")
	return decodeCTE(body, enc)
}

// decodeCTE removes a transfer encoding. Damaged base64 or
// quoted-printable yields what decodes before the damage.
func decodeCTE(body []byte, enc string) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "base64":
		clean := make([]byte, 0, len(body))
		for _, c := range body {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		clean = bytes.TrimRight(clean, "=")
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n], nil
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		return out, nil
	}
	return nil, errUnknownCTE
}
