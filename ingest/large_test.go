package ingest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chapar/config"
	"chapar/ingest"
	"chapar/internal/testkit"
)

// largeMail is a message of exactly size bytes: a header (without
// Message-ID when messageID is empty), then 76-column
// lines as base64 makes them, one in every thousand starting with a dot
// (which the client stuffs and the server must unstuff).
func largeMail(size int, messageID string) string {
	var b strings.Builder
	b.Grow(size)
	b.WriteString("From: sender@example.org\r\nTo: alice@example.com\r\nSubject: large\r\n")
	if messageID != "" {
		b.WriteString("Message-ID: " + messageID + "\r\n")
	}
	b.WriteString("\r\n")
	line := strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 2)[:76]
	for n := 0; b.Len()+2*(len(line)+2) <= size; n++ {
		if n%1000 == 999 {
			b.WriteString("." + line[1:] + "\r\n")
			continue
		}
		b.WriteString(line + "\r\n")
	}
	b.WriteString(strings.Repeat("=", size-b.Len()-2) + "\r\n")
	return b.String()
}

// Messages past what one JetStream message can hold (32 MiB), up near the
// largest maxmessagesize allows, come through LMTP whole: 250 from the
// pipeline, and the store holds them byte for byte. (Before bodies went
// out of band, each was answered 451 4.3.0 forever.)
func TestLargeMessagesDeliverOverLMTP(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, func(cfg *ingest.Config) { cfg.MaxMessageSize = config.MaxPipelineMessageSize })
	c := d.client(t)
	for i, size := range []int{40 << 20, 60 << 20} {
		msg := largeMail(size, fmt.Sprintf("<large-%d@example.org>", i))
		start := time.Now()
		replies, err := testkit.LMTPTransaction(c, "sender@example.org", []string{"alice@example.com"}, msg)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if err := replies["alice@example.com"]; err != nil {
			t.Fatalf("%d bytes: alice answered %v, want 250", size, err)
		}
		t.Logf("%d bytes in %v", size, time.Since(start))
		mb, err := d.store.GetMailbox("user.alice")
		if err != nil {
			t.Fatal(err)
		}
		m, err := d.store.GetMessage(mb, uint32(i+1))
		if err != nil {
			t.Fatalf("%d bytes: message %d not in the store: %v", size, i+1, err)
		}
		body, err := d.store.ReadBody(mb, m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Size != int64(len(body)) || testkit.StripTrace(t, string(body)) != msg {
			t.Fatalf("%d bytes: stored %d bytes (index says %d), not the message sent", size, len(body), m.Size)
		}
	}
	d.checkStore(t)
}
