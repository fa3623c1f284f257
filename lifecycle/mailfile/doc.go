// Package mailfile reads the mail files other systems leave behind, for
// chapar import: mbox files (mboxrd and mboxo, as mutt, Dovecot and
// procmail write them) and Maildir folders (with Dovecot's Maildir++
// subfolders and its dovecot-keywords file).
//
// Every reader hands out messages one at a time, with CRLF line endings
// (RFC 5322 §2.1, what IMAP serves), the internal date the source recorded
// and the IMAP flags it kept. Input that is not a message is never fatal:
// it is reported as a Skip, naming where it lies and why, and reading goes
// on with the next message.
package mailfile

import (
	"bytes"
	"time"
)

// Message is one message read from an mbox file or a Maildir.
type Message struct {
	// Where names the message in its source: "message 3 (line 120)" in an
	// mbox, the file name in a Maildir, for progress and skip reports.
	Where string
	// Body is the message with CRLF line endings and the source's
	// bookkeeping header fields (mbox Status, X-Status, X-Keywords, X-UID,
	// X-IMAP, X-IMAPbase, Content-Length) removed.
	Body []byte
	// InternalDate is when the source says the message arrived; zero when
	// it does not say.
	InternalDate time.Time
	// Flags are IMAP system flags and keywords.
	Flags []string
}

// Skip is input that could not be read as a message.
type Skip struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

// toCRLF turns bare LF line endings into CRLF and leaves CRLF alone.
func toCRLF(b []byte) []byte {
	n := bytes.Count(b, []byte("\n")) - bytes.Count(b, []byte("\r\n"))
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+n)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// checkMessage says why body is not a message, or "" when it is one: it
// must hold something, and begin with a header field (RFC 5322 §2.2: a
// name of printable characters other than colon, then a colon).
func checkMessage(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "empty message"
	}
	line := body
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		line = body[:i]
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "does not begin with a header field"
	}
	for _, c := range line[:colon] {
		if c <= ' ' || c > '~' {
			return "does not begin with a header field"
		}
	}
	return ""
}
