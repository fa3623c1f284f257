package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapar/internal/testkit"

	bolt "go.etcd.io/bbolt"
)

// damaged delivers three messages to user's INBOX, stops the server,
// lets damage break the store (data directory, spool), and starts it
// again.
func damaged(t *testing.T, user string, damage func(in *instance, uniqueID string)) *instance {
	t.Helper()
	in := newInstance(t, "compact_interval: 0")
	in.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", in.log())
		}
	})
	in.addUser(user)
	for i := 1; i <= 3; i++ {
		msg := compactMessage(fmt.Sprintf("dmg%d@test", i), 5000)
		if _, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{user + "@example.com"}, msg); err != nil {
			t.Fatal(err)
		}
	}
	ex := in.examine("user/" + user)
	if len(ex.Messages) != 3 {
		t.Fatalf("%d messages delivered, want 3", len(ex.Messages))
	}
	in.stop()
	damage(in, ex.UniqueID)
	in.start()
	return in
}

// wantCheckReports runs chapar check and wants it to fail (not crash)
// and to name the mailbox and each UID.
func wantCheckReports(t *testing.T, in *instance, mailbox string, uids ...int) {
	t.Helper()
	out, err := in.chapar("", "check")
	t.Logf("chapar check: %v\n%s", err, out)
	if err == nil {
		t.Fatalf("chapar check exits 0 on a damaged store:\n%s", out)
	}
	if strings.Contains(out+err.Error(), "panic") {
		t.Fatalf("chapar check panicked: %v\n%s", err, out)
	}
	for _, uid := range uids {
		want := fmt.Sprintf("mailbox %s: uid %d:", mailbox, uid)
		if !strings.Contains(out, want) {
			t.Errorf("chapar check does not report %q:\n%s", want, out)
		}
	}
	if strings.Contains(in.log(), "panic") {
		t.Errorf("the server logged a panic")
	}
}

// wantFetchNO wants FETCH of the damaged UIDs to answer a tagged NO on a
// connection that stays usable, and the other UIDs to read.
func wantFetchNO(t *testing.T, in *instance, user string, bad, good []int) {
	t.Helper()
	im := dialIMAP(t, in.imapAddr())
	im.cmd("a", "LOGIN "+user+" secret", "a OK")
	im.cmd("b", "SELECT INBOX", "b OK")
	for _, uid := range bad {
		tag := fmt.Sprintf("f%d", uid)
		im.send(fmt.Sprintf("%s UID FETCH %d BODY.PEEK[]\r\n", tag, uid))
		if line := im.expect(tag + " "); !strings.HasPrefix(line, tag+" NO") {
			t.Errorf("UID FETCH %d of a damaged message: %q, want a tagged NO", uid, line)
		}
	}
	for _, uid := range good {
		tag := fmt.Sprintf("g%d", uid)
		im.cmd(tag, fmt.Sprintf("UID FETCH %d BODY.PEEK[]", uid), tag+" OK")
	}
	im.cmd("z", "NOOP", "z OK")
}

// A segment file cut short under the last message's body.
func TestCheckReportsTruncatedSegment(t *testing.T) {
	t.Parallel()
	in := damaged(t, "tess", func(in *instance, _ string) {
		seg := filepath.Join(in.dir, "spool", "bodies", "seg-00000001")
		fi, err := os.Stat(seg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(seg, fi.Size()-100); err != nil {
			t.Fatal(err)
		}
	})
	wantCheckReports(t, in, "user.tess", 3)
	wantFetchNO(t, in, "tess", []int{3}, []int{1, 2})
}

// The segment file is gone.
func TestCheckReportsMissingSegment(t *testing.T) {
	t.Parallel()
	in := damaged(t, "mona", func(in *instance, _ string) {
		if err := os.Remove(filepath.Join(in.dir, "spool", "bodies", "seg-00000001")); err != nil {
			t.Fatal(err)
		}
	})
	wantCheckReports(t, in, "user.mona", 1, 2, 3)
	wantFetchNO(t, in, "mona", []int{1, 2, 3}, nil)
}

// Index records damaged in place, through bbolt: one cut short (it no
// longer decodes), one whose body offset points past its segment.
func TestCheckReportsCorruptIndexRecord(t *testing.T) {
	t.Parallel()
	in := damaged(t, "ivan", func(in *instance, id string) {
		shards, _ := filepath.Glob(filepath.Join(in.dir, "data", "index", "shard-*.db"))
		found := false
		for _, path := range shards {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				mb := tx.Bucket([]byte("mailboxes")).Bucket([]byte(id))
				if mb == nil {
					return nil
				}
				found = true
				msgs := mb.Bucket([]byte("messages"))
				key := func(uid uint32) []byte { return binary.BigEndian.AppendUint32(nil, uid) }
				v := append([]byte(nil), msgs.Get(key(2))...)
				if err := msgs.Put(key(2), v[:len(v)-9]); err != nil {
					return err
				}
				// Version 1, uid 4, modseq 8, two dates 16, size 8,
				// segment 4: the offset.
				v = append([]byte(nil), msgs.Get(key(3))...)
				binary.BigEndian.PutUint64(v[1+4+8+16+8+4:], 1<<40)
				return msgs.Put(key(3), v)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		if !found {
			t.Fatalf("no shard holds the index of %s", id)
		}
	})
	wantCheckReports(t, in, "user.ivan", 2, 3)
	wantFetchNO(t, in, "ivan", []int{2, 3}, []int{1})
}
