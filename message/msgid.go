package message

import "strings"

// MessageIDs returns the msg-ids of a References or In-Reply-To field's
// value (RFC 5322 §3.6.4), in order, angle brackets included: what THREAD
// REFERENCES links messages by (RFC 5256 §3). Text between them (the
// phrases old In-Reply-To fields carry, comments, stray words) is
// skipped, and so is a bracketed id that is empty or holds white space,
// which could not be any message's Message-ID.
func MessageIDs(v string) []string {
	var ids []string
	for {
		open := strings.IndexByte(v, '<')
		if open < 0 {
			return ids
		}
		v = v[open:]
		end := strings.IndexByte(v, '>')
		if end < 0 {
			return ids
		}
		id := v[:end+1]
		v = v[end+1:]
		if len(id) > 2 && !strings.ContainsAny(id[1:], " \t\r\n<") {
			ids = append(ids, id)
		} else if i := strings.LastIndexByte(id, '<'); i > 0 {
			// "<a <b@c>": the last opening bracket starts the id.
			v = id[i:] + v
		}
	}
}
