package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chapar/internal/testkit"
)

// chapar reconstruct after a mailbox's index is lost: offline with -n it
// reports what it would revive and changes nothing; through the running
// server it gives every message back under a new UIDVALIDITY, and the
// store checks clean.
func TestReconstructCommandRecoversLostIndex(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.start()
	in.addUser("alice")
	const n = 3
	for i := range n {
		msg := fmt.Sprintf("From: a@example.org\r\nSubject: r%d\r\nMessage-ID: <r%d@test>\r\n\r\nbody %d\r\n", i, i, i)
		if _, err := testkit.LMTPSend(in.lmtpAddr(), "a@example.org", []string{"alice@example.com"}, msg); err != nil {
			t.Fatal(err)
		}
	}
	var before int
	testkit.CheckFor(t, 10*time.Second, func() error {
		if before = len(in.examine("user/alice").Messages); before != n {
			return fmt.Errorf("%d messages delivered", before)
		}
		return nil
	})
	ex := in.examine("user/alice")
	in.stop()
	dropIndex(t, filepath.Join(in.dir, "data", "index"), ex.UniqueID)

	out := in.mustChapar("", "reconstruct", "-n", "alice")
	if !strings.Contains(out, "user.alice: uidvalidity") || !strings.Contains(out, "would revive 3 messages") || !strings.Contains(out, "index was lost") {
		t.Fatalf("chapar reconstruct -n alice:\n%s", out)
	}
	in.start()
	out = in.mustChapar("", "reconstruct", "alice")
	t.Logf("chapar reconstruct alice:\n%s", out)
	if !strings.Contains(out, "revived 3 messages") || !strings.Contains(out, "new uidvalidity") {
		t.Fatalf("chapar reconstruct alice does not report 3 revived under a new uidvalidity:\n%s", out)
	}
	after := in.examine("user/alice")
	if len(after.Messages) != n || after.UIDValidity == ex.UIDValidity {
		t.Errorf("after reconstruct: %d messages, uidvalidity %d (was %d); want %d under a new one",
			len(after.Messages), after.UIDValidity, ex.UIDValidity, n)
	}
	for i, m := range after.Messages {
		if m.Size != ex.Messages[i].Size {
			t.Errorf("uid %d: size %d, want %d", m.UID, m.Size, ex.Messages[i].Size)
		}
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("chapar check after reconstruct: %v\n%s", err, out)
	}
}

// dropIndex deletes a mailbox's index bucket from whichever shard holds
// it, as a damaged shard would lose it.
func dropIndex(t *testing.T, dir, id string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "shard-*.db"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no shard files in %s: %v", dir, err)
	}
	dropped := false
	for _, p := range paths {
		db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("mailboxes"))
			if b == nil || b.Bucket([]byte(id)) == nil {
				return nil
			}
			dropped = true
			return b.DeleteBucket([]byte(id))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if !dropped {
		t.Fatalf("no shard holds index %s", id)
	}
}
