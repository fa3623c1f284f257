package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

// A current segment whose file was lost (deleted by hand) is not created
// again under its number: the records naming it must read as damaged,
// never as the new mail a reused file would put at their offsets.
func TestLostCurrentSegmentIsNotReused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := store.Options{Dir: dir, NoSync: true, PasswordCost: bcrypt.MinCost}
	s, err := store.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	old := []byte("Subject: old\r\n\r\nthe message that was lost\r\n")
	deliver(t, s, "user.alice", "k1", old)
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "spool", "bodies", "seg-*"))
	if len(segs) != 1 {
		t.Fatalf("segments %v, want one", segs)
	}
	if err := os.Remove(segs[0]); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fresh := []byte("Subject: new\r\n\r\nmail that came after the loss\r\n")
	deliver(t, s, "user.alice", "k2", fresh)
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.GetMessage(mb, 1)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := s.ReadBody(mb, first); err == nil || bytes.Equal(body, fresh) || bytes.Contains(body, []byte("after the loss")) {
		t.Fatalf("the lost message reads %q, %v; want an error", body, err)
	}
	second, err := s.GetMessage(mb, 2)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := s.ReadBody(mb, second); err != nil || !bytes.Equal(body, fresh) {
		t.Fatalf("the new message reads %q, %v", body, err)
	}
	if _, err := os.Stat(segs[0]); err == nil {
		t.Errorf("%s was created again", segs[0])
	}
}
