package main

import (
	"strings"
	"testing"

	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
)

// LHLO offers SMTPUTF8 (RFC 6531) because the store keeps 8-bit headers
// as they came: a UTF-8 header and a UTF-8 recipient go in over LMTP and
// come out of IMAP FETCH BODY[HEADER] byte for byte.
func TestUTF8HeadersRoundTripFromLMTPToIMAP(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.start()
	in.addUser("alice")

	c := testkit.DialLMTP(t, in.lmtpAddr())
	if ok, _ := c.Extension("SMTPUTF8"); !ok {
		t.Fatal("LHLO does not offer SMTPUTF8")
	}
	header := "From: Jérôme Dupont <jérôme@exemple.fr>\r\n" +
		"To: alice@example.com\r\n" +
		"Subject: Grüße aus Köln — 東京\r\n" +
		"Message-ID: <utf8@example.org>\r\n\r\n"
	msg := header + "Corps du message.\r\n"
	replies, err := testkit.LMTPTransaction(c, "jérôme@exemple.fr", []string{"alice@example.com"}, msg)
	if err != nil || replies["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, replies)
	}
	got := string(in.fetchSection("alice", "INBOX", 1, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}))
	if testkit.StripTrace(t, got) != header {
		t.Fatalf("BODY[HEADER] = %q, want the header sent, byte for byte, under the trace lines", got)
	}
	if !strings.HasPrefix(got, "Return-Path: <jérôme@exemple.fr>\r\n") {
		t.Errorf("BODY[HEADER] starts %.60q, want the UTF-8 envelope sender in Return-Path", got)
	}
}
