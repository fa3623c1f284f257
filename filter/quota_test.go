package filter_test

import (
	"context"
	"strings"
	"testing"

	"chapar/filter"
	"chapar/pipeline"
	"chapar/store"
)

// The quota stage against a real store: alice's root allows 1 KiB, bob's
// two messages, carol has no quota.
func TestQuotaStage(t *testing.T) {
	t.Parallel()
	s := openStore(t, "user.alice", "user.alice.Work", "user.bob", "user.carol")
	for root, l := range map[string]store.QuotaLimits{
		"user.alice": {StorageKiB: 1, Messages: store.NoLimit},
		"user.bob":   {StorageKiB: store.NoLimit, Messages: 2},
	} {
		if err := s.SetQuota(root, l); err != nil {
			t.Fatal(err)
		}
	}
	small := []byte("Subject: s\r\n\r\nhi\r\n")
	big := []byte("Subject: b\r\n\r\n" + strings.Repeat("x", 2000) + "\r\n")
	deliver := func(mailbox, key string) {
		t.Helper()
		if _, err := s.Deliver(store.Delivery{Key: key, Mailbox: mailbox, Message: store.NewMessage{Body: small}}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(stage *filter.Quota, body []byte, rcpts ...pipeline.Recipient) *pipeline.Job {
		t.Helper()
		job := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: rcpts, Body: body}
		if err := stage.Process(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		return job
	}
	lax, strict, perm := &filter.Quota{Store: s}, &filter.Quota{Store: s, Strict: true}, &filter.Quota{Store: s, Permanent: true}

	// Not strict, a message bigger than the whole quota goes into an
	// empty mailbox; strict, it does not fit.
	if job := run(lax, big, rcpt("alice", "")); job.Recipients[0].Done {
		t.Errorf("not strict, empty mailbox: refused %+v", job.Recipients[0].Result)
	}
	job := run(strict, big, rcpt("alice", ""), rcpt("carol", ""))
	if r := job.Recipients[0]; !r.Done || !r.OverQuota || r.Result.Code != 452 || r.Result.Enhanced != "4.2.2" {
		t.Errorf("strict, too big: %+v", r)
	}
	if job.Recipients[1].Done {
		t.Errorf("carol, under no root, refused: %+v", job.Recipients[1])
	}

	// bob full: 452, or 552 when permanent; a Sieve target decides, not
	// the INBOX.
	deliver("user.bob", "b1")
	deliver("user.bob", "b2")
	if r := run(lax, small, rcpt("bob", "")).Recipients[0]; r.Result.Code != 452 {
		t.Errorf("bob full: %+v", r)
	}
	if r := run(perm, small, rcpt("bob", "")).Recipients[0]; r.Result.Code != 552 || r.Result.Enhanced != "5.2.2" {
		t.Errorf("bob full, permanent: %+v", r)
	}
	sieved := rcpt("carol", "")
	sieved.Sieved, sieved.Targets = true, []pipeline.Target{{Mailbox: "user.carol"}, {Mailbox: "user.bob"}}
	if r := run(lax, small, sieved).Recipients[0]; r.Result.Code != 452 {
		t.Errorf("a Sieve target in a full mailbox: %+v", r)
	}
	discarded := rcpt("bob", "")
	discarded.Sieved = true
	if r := run(lax, small, discarded).Recipients[0]; r.Done {
		t.Errorf("discarded by Sieve, no target: %+v", r)
	}
	waived := rcpt("bob", "")
	waived.QuotaWaived = true
	if r := run(lax, small, waived).Recipients[0]; r.Done {
		t.Errorf("waived: %+v", r)
	}

	// A replay of a job whose delivery took the last room is not refused.
	if err := s.SetQuota("user.bob", store.QuotaLimits{StorageKiB: store.NoLimit, Messages: 3}); err != nil {
		t.Fatal(err)
	}
	replay := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: []pipeline.Recipient{rcpt("bob", "")}, Body: small}
	deliver("user.bob", replay.DeliveryKey(0))
	if err := lax.Process(context.Background(), replay); err != nil {
		t.Fatal(err)
	}
	if r := replay.Recipients[0]; r.Done {
		t.Errorf("replay of an applied delivery refused: %+v", r)
	}
}
