package store_test

import (
	"bytes"
	"errors"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

func TestURLAuthKeys(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Work", "user.bob")
	inbox, _ := s.GetMailbox("user.alice")
	work, _ := s.GetMailbox("user.alice.Work")
	if k, err := s.URLAuthKey("alice", inbox, false); k != nil || err != nil {
		t.Fatalf("a key before any was made: %x, %v", k, err)
	}
	alice := s.As("alice", false)
	k1, err := alice.URLAuthKey(inbox)
	if err != nil || len(k1) != 32 {
		t.Fatalf("key: %x, %v", k1, err)
	}
	if again, _ := alice.URLAuthKey(inbox); !bytes.Equal(again, k1) {
		t.Error("the key changed without RESETKEY")
	}
	kw, _ := alice.URLAuthKey(work)
	if bytes.Equal(kw, k1) {
		t.Error("two mailboxes share a key")
	}
	if err := alice.ResetURLAuthKeys(inbox); err != nil {
		t.Fatal(err)
	}
	if k2, _ := alice.URLAuthKey(inbox); bytes.Equal(k2, k1) {
		t.Error("RESETKEY kept the key")
	}
	if err := alice.ResetURLAuthKeys(nil); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.URLAuthKey("alice", work, false); k != nil {
		t.Error("RESETKEY without a mailbox kept a key")
	}
	if _, err := s.As("bob", false).URLAuthKey(inbox); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("bob's key for alice's INBOX: %v", err)
	}
}
