package ingest_test

import (
	"testing"

	"chapar/ingest"
	"chapar/internal/testkit"
)

// A bulletin board (Cyrus's postuser): "bb+board" delivers into the shared
// mailbox "board" only while anyone holds p on it; before that the
// address answers as an unknown one.
func TestPostUserDeliversToABoardOpenForPosting(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, func(c *ingest.Config) { c.PostUser = "bb" })
	testkit.CreateMailboxes(t, d.store, "board")
	msg := "Subject: notice\r\n\r\nfor everyone\r\n"
	res, err := testkit.LMTPSend(d.addr, "sender@example.org", []string{"bb+board@example.com"}, msg)
	if err == nil {
		err = res["bb+board@example.com"]
	}
	if code, enh := testkit.SMTPCode(err); code != 550 || enh != "5.1.1" {
		t.Errorf("board without p: %v, want 550 5.1.1", err)
	}
	testkit.OpenToPlusAddressing(t, d.store, "board")
	res, err = testkit.LMTPSend(d.addr, "sender@example.org", []string{"bb+board@example.com"}, msg)
	if err != nil || res["bb+board@example.com"] != nil {
		t.Fatalf("board with anyone p: %v %v", err, res)
	}
	if got := d.mailbox(t, "board"); len(got) != 1 {
		t.Errorf("board holds %d messages, want 1", len(got))
	}
}
