package store_test

import (
	"errors"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// Webhooks and their dead letters outlive the store being closed and
// opened again, and a deleted webhook takes its dead letters with it.
func TestWebhooksPersist(t *testing.T) {
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir})
	w, err := s.AddWebhook(store.Webhook{URL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef", Events: []string{"MessageNew"}, Created: time.Now()})
	if err != nil || w.ID == "" {
		t.Fatalf("AddWebhook: %v %+v", err, w)
	}
	other, err := s.AddWebhook(store.Webhook{URL: "https://example.org/", Secret: "fedcba9876543210"})
	if err != nil || other.ID == w.ID {
		t.Fatalf("second webhook: %v, ids %q %q", err, w.ID, other.ID)
	}
	for _, seq := range []uint64{7, 3, 7} {
		if err := s.AddDeadLetter(w.ID, store.DeadLetter{Seq: seq, Type: "MessageNew", Attempts: 2, Event: []byte(`{"event":"MessageNew"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddDeadLetter("nope", store.DeadLetter{Seq: 1}); !errors.Is(err, store.ErrNoWebhook) {
		t.Errorf("dead letter of an unknown webhook: %v", err)
	}
	s.Close()

	s = testkit.OpenStore(t, store.Options{Dir: dir})
	got, err := s.GetWebhook(w.ID)
	if err != nil || got.URL != w.URL || got.Secret != w.Secret || len(got.Events) != 1 {
		t.Fatalf("after reopening: %v %+v", err, got)
	}
	dead, err := s.DeadLetters(w.ID)
	if err != nil || len(dead) != 2 || dead[0].Seq != 3 || dead[1].Seq != 7 {
		t.Fatalf("dead letters: %v %+v", err, dead)
	}
	counts, err := s.DeadLetterCounts()
	if err != nil || counts[w.ID] != 2 || counts[other.ID] != 0 {
		t.Fatalf("counts: %v %v", err, counts)
	}
	if err := s.DeleteWebhook(w.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhook(w.ID); !errors.Is(err, store.ErrNoWebhook) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := s.DeadLetters(w.ID); !errors.Is(err, store.ErrNoWebhook) {
		t.Errorf("dead letters of a deleted webhook: %v", err)
	}
	if all, err := s.Webhooks(); err != nil || len(all) != 1 || all[0].ID != other.ID {
		t.Errorf("left: %v %+v", err, all)
	}
}
