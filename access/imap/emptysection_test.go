package imap

import (
	"testing"

	"github.com/emersion/go-imap/v2"
)

// emptyPartMessage has an empty second part and an empty body under a
// message/rfc822 part.
const emptyPartMessage = "From: a@example.org\r\n" +
	"Subject: empty parts\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n" +
	"\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"text\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"\r\n" +
	"--b--\r\n"

// TestEmptySectionsAreEmptyStrings: an empty section, a partial fetch
// past the end (RFC 3501 §6.4.5: "an empty string") and an empty BINARY
// come as "" rather than a {0} literal, and go-imap's client reads them.
func TestEmptySectionsAreEmptyStrings(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", emptyPartMessage)
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	c.exchange("a FETCH 1 (BODY.PEEK[2] BINARY.PEEK[2] BINARY.SIZE[2])",
		`* 1 FETCH (BODY[2] "" BINARY[2] "" BINARY.SIZE[2] 0)`, "a OK FETCH completed")
	c.exchange("b FETCH 1 BODY.PEEK[]<100000.10>", `* 1 FETCH (BODY[]<100000> "")`, "b OK FETCH completed")
	// Not empty: a literal as before.
	c.exchange("d FETCH 1 BODY.PEEK[1]", "* 1 FETCH (BODY[1] {4}\r\ntext)", "d OK FETCH completed")

	gc := env.client(t, "alice")
	if _, err := gc.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	part2 := &imap.FetchItemBodySection{Part: []int{2}, Peek: true}
	past := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 100000, Size: 10}}
	msgs, err := gc.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{part2, past}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, sec := range []*imap.FetchItemBodySection{part2, past} {
		if data := msgs[0].FindBodySection(sec); data == nil || len(data) != 0 {
			t.Errorf("section %+v: %q, want present and empty", sec, data)
		}
	}
}
