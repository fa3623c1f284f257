package ingest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"chapar/ingest"
	"chapar/internal/testkit"
	"chapar/store"

	"github.com/emersion/go-smtp"
)

func limitMessages(tb testing.TB, s *store.Store, root string, n int64) {
	tb.Helper()
	if err := s.SetQuota(root, store.QuotaLimits{StorageKiB: store.NoLimit, Messages: n}); err != nil {
		tb.Fatal(err)
	}
}

// fill delivers straight into the store, as another session would
// meanwhile.
// The message carries the trace lines LMTP would have put above it, so
// that it reads like every other delivered one.
func fill(tb testing.TB, s *store.Store, mailbox, key string) {
	tb.Helper()
	msg := "Return-Path: <sender@example.org>\r\nReceived: from fill by test with LMTP; now\r\n" + mail(key, "")
	if _, err := s.Deliver(store.Delivery{Key: key, Mailbox: mailbox, Message: store.NewMessage{Body: []byte(msg)}}); err != nil {
		tb.Fatal(err)
	}
}

// Deliveries until the quota is reached are taken; the next is refused at
// RCPT with 452 4.2.2 (552 5.2.2 when over quota is permanent), and one
// whose mailbox fills between RCPT and DATA by the quota stage, while the
// other recipient of the transaction gets it.
func TestLMTPOverQuota(t *testing.T) {
	t.Parallel()
	for _, perm := range []bool{false, true} {
		t.Run(fmt.Sprintf("permanent=%v", perm), func(t *testing.T) {
			t.Parallel()
			d := startLMTP(t, func(c *ingest.Config) { c.OverQuotaPermanent = perm })
			wantCode, wantEnh := 452, "4.2.2"
			if perm {
				wantCode, wantEnh = 552, "5.2.2"
			}
			limitMessages(t, d.store, "user.alice", 2)
			c := d.client(t)
			for i := range 2 {
				if refused, _ := send(t, c, []string{"alice@example.com"}, mail(fmt.Sprint(i), "")); len(refused) != 0 {
					t.Fatalf("delivery %d under quota: %v", i, refused)
				}
			}
			if err := c.Mail("sender@example.org", nil); err != nil {
				t.Fatal(err)
			}
			code, enh := testkit.SMTPCode(c.Rcpt("alice@example.com", nil))
			if code != wantCode || enh != wantEnh {
				t.Fatalf("RCPT to a full mailbox: %d %s, want %d %s", code, enh, wantCode, wantEnh)
			}
			if err := c.Reset(); err != nil {
				t.Fatal(err)
			}

			// The stage: room at RCPT, none at DATA. alice has room again.
			limitMessages(t, d.store, "user.alice", store.NoLimit)
			limitMessages(t, d.store, "user.bob", 1)
			if err := c.Mail("sender@example.org", nil); err != nil {
				t.Fatal(err)
			}
			for _, r := range []string{"bob@example.com", "alice+Work@example.com"} {
				if err := c.Rcpt(r, nil); err != nil {
					t.Fatalf("RCPT %s: %v", r, err)
				}
			}
			fill(t, d.store, "user.bob", "meanwhile")
			w, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(mail("late", "")))
			_, err = w.CloseWithLMTPResponse()
			var perRcpt smtp.LMTPDataError
			if !errors.As(err, &perRcpt) {
				t.Fatalf("end of DATA: %v, want bob refused", err)
			}
			code, enh = testkit.SMTPCode(perRcpt["bob@example.com"])
			if code != wantCode || enh != wantEnh {
				t.Fatalf("DATA for bob, full since RCPT: %d %s (%v), want %d %s", code, enh, err, wantCode, wantEnh)
			}
			if e, refused := perRcpt["alice+Work@example.com"]; refused {
				t.Fatalf("alice+Work, with room, refused: %v", e)
			}
			if got := d.mailbox(t, "user.bob"); len(got) != 1 {
				t.Fatalf("bob holds %d messages, want the one filled in", len(got))
			}
			d.checkStore(t)
		})
	}
}

// When no LMTP session waits for the outcome any more, the MTA was told
// 250: the message refused by the quota stage is filed over quota rather
// than lost.
func TestLMTPOverQuotaNobodyWaits(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, func(c *ingest.Config) { c.OutcomeWait = 0 })
	limitMessages(t, d.store, "user.bob", 1)
	c := d.client(t)
	if err := c.Mail("sender@example.org", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.com", nil); err != nil {
		t.Fatal(err)
	}
	fill(t, d.store, "user.bob", "meanwhile")
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(mail("queued", "")))
	if _, err := w.CloseWithLMTPResponse(); err != nil {
		t.Fatalf("answered on the durable queue: %v, want 250", err)
	}
	testkit.CheckFor(t, 20*time.Second, func() error {
		if got := d.mailbox(t, "user.bob"); len(got) != 2 {
			return fmt.Errorf("bob holds %d messages, want 2 (one over quota)", len(got))
		}
		return nil
	})
	q, err := d.store.RecountQuota("user.bob")
	if err != nil || q.Usage.Messages != 2 {
		t.Fatalf("bob's usage %+v %v, want 2 messages", q, err)
	}
}

// lmtp_strict_quota: a message must fit. At RCPT that is judged by the
// size MAIL FROM announced; without one, by the quota stage after DATA.
func TestLMTPStrictQuota(t *testing.T) {
	t.Parallel()
	d := startLMTP(t, func(c *ingest.Config) { c.StrictQuota = true })
	if err := d.store.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 1, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	c := d.client(t)
	if err := c.Mail("sender@example.org", &smtp.MailOptions{Size: 4096}); err != nil {
		t.Fatal(err)
	}
	if code, enh := testkit.SMTPCode(c.Rcpt("alice@example.com", nil)); code != 452 || enh != "4.2.2" {
		t.Fatalf("RCPT of 4 KiB into 1 KiB: %d %s, want 452 4.2.2", code, enh)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	big := mail("big", "") + strings.Repeat("x", 2000) + "\r\n"
	refused, _ := send(t, c, []string{"alice@example.com"}, big)
	if code, enh := testkit.SMTPCode(refused["alice@example.com"]); code != 452 || enh != "4.2.2" {
		t.Fatalf("DATA of 2 KiB into 1 KiB, strict: %d %s, want 452 4.2.2", code, enh)
	}
	if refused, _ := send(t, c, []string{"alice@example.com"}, mail("small", "")); len(refused) != 0 {
		t.Fatalf("a small message that fits: %v", refused)
	}
}
