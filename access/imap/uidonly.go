package imap

import "strconv"

// UIDONLY (RFC 9586): once a client sends ENABLE UIDONLY, messages are
// named by UID alone, both ways. Commands that take message sequence
// numbers (FETCH, STORE, SEARCH, COPY, MOVE, REPLACE without UID, a
// sequence set as a search key, QRESYNC's sequence match data) are BAD
// [UIDREQUIRED] (§3); FETCH responses become "* uid UIDFETCH (...)"
// (§3.3), which carry no UID item of their own unless it was asked for;
// expunges are reported with VANISHED, as under QRESYNC (§3.2).

// uidRequired is the refusal of a message number (RFC 9586 §3).
func uidRequired() {
	xbad("[UIDREQUIRED] message numbers are not allowed once UIDONLY is enabled")
}

// requireUIDs refuses, once UIDONLY is on, a parsed command that uses
// message sequence numbers; it runs before the command changes anything.
func (s *session) requireUIDs(c *command, args any) {
	if !s.uidonly {
		return
	}
	switch c.name {
	case "FETCH", "STORE", "SEARCH", "COPY", "MOVE", "REPLACE":
		uidRequired()
	}
	switch a := args.(type) {
	case searchArgs:
		if a.key.usesSeq() {
			uidRequired()
		}
	case selectArgs:
		if a.qresync != nil && a.qresync.seqMatch {
			uidRequired()
		}
	}
}

// usesSeq: a sequence set is somewhere in k as a search key.
func (k *searchKey) usesSeq() bool {
	if k.op == "SEQ" {
		return true
	}
	for _, c := range k.kids {
		if c.usesSeq() {
			return true
		}
	}
	return false
}

// appendFetchStart writes the start of a FETCH response for the message at
// sequence number seq with UID uid: "* seq FETCH (", or under UIDONLY
// "* uid UIDFETCH (".
func (s *session) appendFetchStart(b []byte, seq int, uid uint32) []byte {
	b = append(b, "* "...)
	if s.uidonly {
		b = strconv.AppendUint(b, uint64(uid), 10)
		return append(b, " UIDFETCH ("...)
	}
	b = strconv.AppendInt(b, int64(seq), 10)
	return append(b, " FETCH ("...)
}

// vanishedOnly: expunges are reported as VANISHED (RFC 7162 §3.2.10, RFC
// 9586 §3.2).
func (s *session) vanishedOnly() bool { return s.qresync || s.uidonly }
