package ingest_test

import (
	"strconv"
	"strings"
	"testing"
)

// Cyrus's deliver and many MTA setups send a bare local part; lmtpd takes
// it as a user of the defaultdomain.
func TestUnqualifiedRecipientIsALocalUser(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, nil)
	s := d.raw(t)
	s.Exchange("LHLO mta.test", "250")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<bob>", "250 ")
	s.Exchange("RCPT TO:<alice+Work>", "250 ")
	s.Exchange("RCPT TO:<nobody>", "550 5.1.1 ")
	// What no mailbox could match is still bad syntax.
	refused(t, s, "RCPT TO:<+Work>")
	refused(t, s, "RCPT TO:<>")
	s.Exchange("DATA", "354 ")
	// A body line that looks like a bare RCPT must arrive untouched.
	s.Write("Subject: bare\r\n\r\nRCPT TO:<bob>\r\n.\r\n")
	s.Expect("250 ")
	s.Expect("250 ")
	for _, mb := range []string{"user.bob", "user.alice.Work"} {
		got := d.mailbox(t, mb)
		if len(got) != 1 || !strings.HasSuffix(got[0], "\r\n\r\nRCPT TO:<bob>\r\n") {
			t.Errorf("%s holds %q, want the message with its body line unchanged", mb, got)
		}
	}
}

// The rewriting follows the protocol: a refused DATA leaves the next line
// a command, and a BDAT chunk is content however it looks.
func TestUnqualifiedRecipientAfterRefusedDATAAndInBDAT(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, nil)
	s := d.raw(t)
	s.Exchange("LHLO mta.test", "250")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<nobody>", "550 ")
	s.Exchange("DATA", "5")
	s.Exchange("RSET", "250 ")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<bob>", "250 ")
	chunk := "Subject: chunk\r\n\r\nRCPT TO:<alice>\r\n"
	s.Write("BDAT " + strconv.Itoa(len(chunk)) + " LAST\r\n" + chunk)
	s.Expect("250 ")
	s.Exchange("MAIL FROM:<sender@example.org>", "250 ")
	s.Exchange("RCPT TO:<alice>", "250 ")
	got := d.mailbox(t, "user.bob")
	if len(got) != 1 || !strings.HasSuffix(got[0], "\r\n\r\nRCPT TO:<alice>\r\n") {
		t.Errorf("bob's INBOX holds %q, want the chunk unchanged", got)
	}
}
