package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"chapar/config"
	"chapar/internal/testkit"
)

// A message past what one JetStream message holds goes through the real
// binary with its default maxmessagesize, every hop on JetStream: the
// filter stages pass the job on without its body, deliver fetches it from
// CHAPAR_BODIES, and both recipients share the one stored body.
func TestLargeMessageThroughTheBinary(t *testing.T) {
	t.Parallel()
	// 40 MB through every hop on a loaded machine can take longer than
	// the default 10 s LMTP waits for the outcome before answering 451.
	in := newInstance(t, "fuse_local_stages: no", "lmtp_outcome_wait: 300")
	in.start()
	in.addUser("alice")
	in.mustChapar("", "mailbox", "create", "user/alice/Work")
	in.openToPosting("alice", "Work")

	c := testkit.DialLMTP(t, in.lmtpAddr())
	if ok, size := c.Extension("SIZE"); !ok || size != strconv.FormatInt(config.MaxPipelineMessageSize, 10) {
		t.Fatalf("SIZE %q (%v), want the default maxmessagesize %d", size, ok, config.MaxPipelineMessageSize)
	}
	var b strings.Builder
	b.WriteString(testMessage("large@example.org", "large"))
	line := strings.Repeat("0123456789", 7) + "ABCDEF\r\n"
	for b.Len() < 40<<20 {
		b.WriteString(line)
	}
	msg := b.String()
	replies, err := testkit.LMTPTransaction(c, "sender@example.org", []string{"alice@example.com", "alice+Work@example.com"}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if replies["alice@example.com"] != nil || replies["alice+Work@example.com"] != nil {
		t.Fatalf("a %d-byte message refused: %v", len(msg), replies)
	}
	// What a client reads is what was sent, under ingest's trace lines;
	// both mailboxes hold that one body.
	stored := in.fetchBody("alice", "INBOX", 1)
	if testkit.StripTrace(t, string(stored)) != msg {
		t.Fatalf("INBOX over IMAP: %d bytes, not the %d-byte message sent under its trace lines", len(stored), len(msg))
	}
	sum := sha256.Sum256(stored)
	for _, mailbox := range []string{"user/alice", "user/alice/Work"} {
		ex := in.examine(mailbox)
		if len(ex.Messages) != 1 || ex.Messages[0].Size != int64(len(stored)) || ex.Messages[0].Body != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: %+v; want the %d-byte message, body %x", mailbox, ex.Messages, len(stored), sum)
		}
	}
	if out := in.mustChapar("", "check"); !strings.Contains(out, "consistent") {
		t.Fatalf("check: %s", out)
	}
}
