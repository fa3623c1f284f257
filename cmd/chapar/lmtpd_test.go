package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"
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

// Over the Unix socket a local MTA uses, the Received line names the
// socket where a TCP peer's address would be, and a bare recipient is a
// local user there too.
func TestLMTPOverTheUnixSocket(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.start()
	in.addUser("bob")
	conn, err := net.Dial("unix", filepath.Join(in.dir, "socket", "lmtp"))
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("postfix.local"); err != nil {
		t.Fatal(err)
	}
	replies, err := testkit.LMTPTransaction(c, "sender@example.org", []string{"bob"}, "Subject: local\r\n\r\nhi\r\n")
	if err != nil || replies["bob"] != nil {
		t.Fatalf("LMTP over the socket: %v %v", err, replies)
	}
	got := string(in.fetchBody("bob", "INBOX", 1))
	if !strings.Contains(got, "\r\nReceived: from postfix.local (unix socket)\r\n\tby chapar.test (chapar) with LMTP id ") ||
		!strings.Contains(got, "\r\n\tfor <bob>;\r\n") {
		t.Errorf("stored %q, want a Received line from postfix.local (unix socket) for <bob>", got)
	}
}
