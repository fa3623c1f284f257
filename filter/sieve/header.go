package sieve

import (
	"bytes"
	"mime"
	"strings"

	"chapar/message"
)

// headerView is the message's header as the script sees it: the parsed
// fields of the message until editheader (RFC 5293) changes them, then a
// copy of its own. Tests after an edit see the edited header (§3).
type headerView struct {
	raw    []byte
	orig   message.Header
	fields []editField // set once edited
	edit   bool
	crlf   bool
	// addrs caches the addresses of a field name, all its occurrences, as
	// address tests ask for the same From and To again and again; an edit
	// empties it.
	addrs []fieldAddresses
}

type fieldAddresses struct {
	name  string
	addrs []string
}

// editField is one header field of the edited copy: its name and the whole
// field as written, line ends included.
type editField struct {
	name string
	raw  []byte
}

func (h *headerView) init(raw []byte) {
	h.raw = raw
	h.orig = message.ParseHeader(raw).Header
	end := bytes.IndexByte(raw, '\n')
	h.crlf = end < 0 || (end > 0 && raw[end-1] == '\r')
}

// values returns the values of every field called name, unfolded and with
// RFC 2047 words decoded (RFC 5228 §2.7.2).
func (h *headerView) values(name string) []string {
	var out []string
	h.each(name, func(v string) { out = append(out, v) })
	return out
}

func (h *headerView) each(name string, fn func(string)) {
	if !h.edit {
		for _, f := range h.orig {
			if len(f.Name) == len(name) && asciiEqualFold(f.Name, name) {
				fn(decodeValue(f.Value(h.raw)))
			}
		}
		return
	}
	for _, f := range h.fields {
		if asciiEqualFold(f.name, name) {
			fn(decodeValue(message.Field{Start: 0, End: len(f.raw)}.Value(f.raw)))
		}
	}
}

func (h *headerView) exists(name string) bool {
	found := false
	h.each(name, func(string) { found = true })
	return found
}

func decodeValue(v string) string {
	if strings.Contains(v, "=?") {
		return message.DecodeHeader(v)
	}
	return v
}

// startEdit copies the fields out of the message on the first edit.
func (h *headerView) startEdit() {
	h.addrs = h.addrs[:0]
	if h.edit {
		return
	}
	h.edit = true
	h.fields = make([]editField, 0, len(h.orig)+2)
	for _, f := range h.orig {
		h.fields = append(h.fields, editField{name: f.Name, raw: f.Bytes(h.raw)})
	}
}

// add puts a field first, or last with :last (RFC 5293 §4). A value that
// is not ASCII is written as RFC 2047 words.
func (h *headerView) add(name, value string, last bool) {
	h.startEdit()
	if !isASCII(value) {
		value = mime.QEncoding.Encode("utf-8", value)
	}
	eol := "\n"
	if h.crlf {
		eol = "\r\n"
	}
	f := editField{name: name, raw: []byte(name + ": " + value + eol)}
	if last {
		h.fields = append(h.fields, f)
		return
	}
	h.fields = append([]editField{f}, h.fields...)
}

// remove deletes the fields called name for which keep returns false;
// occurrence counts them from 1 in the order of the header.
func (h *headerView) remove(name string, del func(occurrence, total int, value string) (bool, error)) error {
	h.startEdit()
	total := 0
	for _, f := range h.fields {
		if asciiEqualFold(f.name, name) {
			total++
		}
	}
	out := h.fields[:0]
	n := 0
	for _, f := range h.fields {
		if asciiEqualFold(f.name, name) {
			n++
			v := decodeValue(message.Field{Start: 0, End: len(f.raw)}.Value(f.raw))
			d, err := del(n, total, v)
			if err != nil {
				return err
			}
			if d {
				continue
			}
		}
		out = append(out, f)
	}
	h.fields = out
	return nil
}

// edited returns the edited header block with its empty line, or nil.
func (h *headerView) edited() []byte {
	if !h.edit {
		return nil
	}
	var b bytes.Buffer
	for _, f := range h.fields {
		b.Write(f.raw)
	}
	if h.crlf {
		b.WriteString("\r\n")
	} else {
		b.WriteString("\n")
	}
	return b.Bytes()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
