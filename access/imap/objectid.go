package imap

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"chapar/message"
	"chapar/store"
)

// OBJECTID (RFC 8474): stable identifiers for mailboxes and messages.
//   - MAILBOXID is the mailbox's unique id, which a rename keeps (§4).
//   - EMAILID names a message's content: the first 24 hex digits of the
//     SHA-256 of its body, which the store keeps as the body's address, so
//     that every copy of one message has one EMAILID, in any mailbox, as
//     §5.1 asks (Cyrus derives it from the body's GUID alike).
//   - THREADID names the thread a message belongs to (§5.2): the hash of
//     the thread's first Message-ID, which is the first one References
//     names, else the one In-Reply-To names, else the message's own.
//     Replies that carry References (RFC 5322 §3.6.4) all land with their
//     root; a message with no Message-ID at all is a thread of its own.
// Each is a letter and hex digits: objectid = 1*255 (ALPHA / DIGIT / "_"
// / "-") (§7).

func mailboxID(mb *store.Mailbox) string { return "F" + mb.UniqueID }

func emailID(m *store.Message) string { return "M" + m.Body[:min(len(m.Body), 24)] }

// threadID computes the THREADID from a message's header.
func threadID(raw []byte, root *message.Part, m *store.Message) string {
	first := ""
	for _, field := range []string{"References", "In-Reply-To", "Message-ID"} {
		if v, ok := root.Header.Get(raw, field); ok {
			if first = firstMsgID(v); first != "" {
				break
			}
		}
	}
	if first == "" {
		return "T" + m.Body[:min(len(m.Body), 16)]
	}
	sum := sha256.Sum256([]byte(first))
	return "T" + hex.EncodeToString(sum[:8])
}

// firstMsgID returns the first "<...>" of a msg-id list, as written.
func firstMsgID(v string) string {
	i := strings.IndexByte(v, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(v[i:], '>')
	if j < 0 {
		return ""
	}
	return v[i : i+j+1]
}

// appendObjectID writes "NAME (id)", the form of every OBJECTID item.
func appendObjectID(b []byte, name, id string) []byte {
	b = append(b, name...)
	b = append(b, " ("...)
	b = append(b, id...)
	return append(b, ')')
}

// appendThreadID writes the THREADID FETCH item, reading the header once
// per message and then keeping the answer in the response cache.
func (f *fetchMsg) appendThreadID(b []byte) []byte {
	return f.s.srv.responses.appendCached(b, f.cacheKey(cacheThreadID, false), func(b []byte) []byte {
		raw, root := f.header()
		return appendObjectID(b, "THREADID", threadID(raw, root, f.m))
	})
}
