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

// TestLMTPPostingRightMatrix is the LMTP row of the ACL matrix: LMTP
// senders are anonymous, so only entries that reach an anonymous sender
// (anyone, anonymous) grant p; a user's, a group's or the owner's p does
// not, and a negative entry takes it away.
func TestLMTPPostingRightMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		acl  map[string]string
		want string
	}{
		{"anyone p", map[string]string{"anyone": "p"}, "user.alice.Work"},
		{"anonymous p", map[string]string{"anonymous": "lrp"}, "user.alice.Work"},
		{"anyone without p", map[string]string{"anyone": "lrsw"}, "user.alice"},
		{"a user's p", map[string]string{"bob": "lrp"}, "user.alice"},
		{"a group's p", map[string]string{"group:staff": "lrp"}, "user.alice"},
		{"anyone p less anonymous p", map[string]string{"anyone": "p", "-anonymous": "p"}, "user.alice"},
		{"no entry at all", map[string]string{}, "user.alice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, "user.alice", "user.alice.Work")
			mb, err := s.GetMailbox("user.alice.Work")
			if err != nil {
				t.Fatal(err)
			}
			for id := range mb.ACL {
				if id != "alice" {
					if err := s.DeleteACL(mb.Name, id); err != nil {
						t.Fatal(err)
					}
				}
			}
			for id, r := range c.acl {
				if _, err := s.SetACL(mb.Name, id, r); err != nil {
					t.Fatal(err)
				}
			}
			job := &pipeline.Job{ID: pipeline.NewJobID(), Recipients: []pipeline.Recipient{rcpt("alice", "Work")}}
			if err := (&filter.PlusAddress{Store: s}).Process(context.Background(), job); err != nil {
				t.Fatal(err)
			}
			if got := job.Recipients[0].Mailbox; got != c.want {
				t.Errorf("ACL %v: filed into %s, want %s", c.acl, got, c.want)
			}
		})
	}
}
