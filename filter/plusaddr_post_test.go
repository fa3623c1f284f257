package filter_test

import (
	"context"
	"testing"

	"chapar/filter"
	"chapar/pipeline"
)

// Plus-addressed mail lands in a folder only while anyone holds the post
// right on it, as in Cyrus; otherwise it goes to INBOX.
func TestPlusAddressNeedsThePostRight(t *testing.T) {
	t.Parallel()
	s := openStore(t, "user.alice", "user.alice.Work")
	stage := &filter.PlusAddress{Store: s}
	target := func() string {
		job := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: []pipeline.Recipient{rcpt("alice", "Work")}}
		if err := stage.Process(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		return job.Recipients[0].Mailbox
	}
	if got := target(); got != "user.alice.Work" {
		t.Fatalf("with anyone p: %s", got)
	}
	if _, err := s.SetACL("user.alice.Work", "anyone", "-p"); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != "user.alice" {
		t.Errorf("without p: filed into %s, want INBOX", got)
	}
}
