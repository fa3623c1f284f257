package ingest_test

import (
	"regexp"
	"strings"
	"testing"
)

// Cyrus's lmtpd puts Return-Path and Received above every message it
// takes (RFC 5321 §4.4); so does chapar, once, before any stage sees it.
func TestDeliveredMessagesCarryReturnPathAndReceived(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, nil)
	s := d.raw(t)
	s.Exchange("LHLO mta.test", "250")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<alice@example.com>", "250 ")
	s.Exchange("DATA", "354 ")
	s.Write("Subject: one\r\n\r\nfor alice\r\n.\r\n")
	s.Expect("250 ")
	// Two recipients: the Received line names neither.
	s.Exchange("MAIL FROM:<>", "250 ")
	s.Exchange("RCPT TO:<bob@example.com>", "250 ")
	s.Exchange("RCPT TO:<alice+Work@example.com>", "250 ")
	s.Exchange("DATA", "354 ")
	s.Write("Subject: two\r\n\r\nfor both\r\n.\r\n")
	s.Expect("250 ")
	s.Expect("250 ")

	one := regexp.MustCompile(`^Return-Path: <sender@example\.org>\r\n` +
		`Received: from mta\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby lmtp\.test \(chapar\) with LMTP id [A-Za-z0-9]+\r\n` +
		`\tfor <alice@example\.com>;\r\n` +
		`\t[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n` +
		`Subject: one\r\n\r\nfor alice\r\n$`)
	if got := d.stored(t, "user.alice"); len(got) != 1 || !one.MatchString(got[0]) {
		t.Errorf("alice's INBOX = %q, want it to match %s", got, one)
	}
	two := regexp.MustCompile(`^Return-Path: <>\r\n` +
		`Received: from mta\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby lmtp\.test \(chapar\) with LMTP id [A-Za-z0-9]+;\r\n` +
		`\t[^\r\n]+\r\nSubject: two\r\n\r\nfor both\r\n$`)
	for _, mb := range []string{"user.bob", "user.alice.Work"} {
		if got := d.stored(t, mb); len(got) != 1 || !two.MatchString(got[0]) {
			t.Errorf("%s = %q, want it to match %s", mb, got, two)
		}
	}
	// The index's size is the size of what is stored, trace included
	// (RFC822.SIZE and BODYSTRUCTURE are computed from the same bytes).
	mb, err := d.store.GetMailbox("user.bob")
	if err != nil {
		t.Fatal(err)
	}
	m, err := d.store.GetMessage(mb, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.stored(t, "user.bob")[0]; m.Size != int64(len(got)) {
		t.Errorf("index size %d, stored %d bytes", m.Size, len(got))
	}
}

// The LHLO name is the client's word: whatever it holds cannot break the
// header it is written into.
func TestReceivedLineKeepsAnOddLHLOName(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, nil)
	s := d.raw(t)
	s.Exchange("LHLO évil(host)\x01", "250")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<bob@example.com>", "250 ")
	s.Exchange("DATA", "354 ")
	s.Write("Subject: odd\r\n\r\nbody\r\n.\r\n")
	s.Expect("250 ")
	got := d.stored(t, "user.bob")
	if len(got) != 1 || !strings.Contains(got[0], "\r\nReceived: from ?vil?host?? ([127.0.0.1])\r\n") {
		t.Errorf("bob's INBOX = %q, want the LHLO name made printable", got)
	}
}
