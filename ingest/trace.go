package ingest

import (
	"net"
	"strings"
	"time"
)

// traceHeaders are the lines Cyrus's lmtpd puts above every message it
// takes: the envelope sender as Return-Path (RFC 5321 §4.4: the final
// delivery adds it) and a Received line saying where the message came from
// (RFC 5321 §4.4 time stamp: from, by, with, id, for, date). Cyrus writes
// "with LMTPA" after SASL authentication and "LMTPS" over TLS; chapar's
// LMTP has neither, so it is plain "with LMTP". The lines are added once,
// in ingest, so every stage and every IMAP client sees the same bytes.
func traceHeaders(t traceInfo) []byte {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("Return-Path: <")
	b.WriteString(t.from)
	b.WriteString(">\r\nReceived: from ")
	b.WriteString(printable(t.helo, "unknown"))
	b.WriteString(" (")
	b.WriteString(peerInfo(t.remote))
	b.WriteString(")\r\n\tby ")
	b.WriteString(printable(t.hostname, "localhost"))
	b.WriteString(" (chapar) with LMTP id ")
	b.WriteString(t.id)
	if t.rcpt != "" {
		// Only with one recipient, as Cyrus does: naming one of several
		// would tell each of them who else got the message.
		b.WriteString("\r\n\tfor <")
		b.WriteString(t.rcpt)
		b.WriteString(">")
	}
	b.WriteString(";\r\n\t")
	b.WriteString(t.date.Format(time.RFC1123Z))
	b.WriteString("\r\n")
	return []byte(b.String())
}

type traceInfo struct {
	from, helo, remote, hostname, id, rcpt string
	date                                   time.Time
}

// peerInfo is RFC 5321's TCP-info: the peer's address as a literal, or
// what the connection is when it has none (a Unix socket).
func peerInfo(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil || host == "" {
		return "unix socket"
	}
	if strings.Contains(host, ":") {
		return "[IPv6:" + host + "]"
	}
	return "[" + host + "]"
}

// printable keeps a client-given name from breaking the header: only
// visible ASCII other than parentheses (it sits beside a comment), and not
// more than a domain name may be long.
func printable(s, empty string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || r == '(' || r == ')' {
			return '?'
		}
		return r
	}, s)
	if s == "" {
		return empty
	}
	return s
}
