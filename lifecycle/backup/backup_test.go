package backup_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/lifecycle/backup"
	"chapar/store"
)

func msg(n int) []byte {
	return []byte(fmt.Sprintf("From: sender@example.org\r\nSubject: message %d\r\nMessage-ID: <%d@example.org>\r\n\r\nbody %d\r\n", n, n, n))
}

// examineAll is chapar mbexamine --json of each of the user's mailboxes,
// and mboxlist's ACLs.
func examineAll(t *testing.T, s *store.Store, user string) map[string]string {
	t.Helper()
	cmds := &admin.Commands{Store: s, Namer: store.Namer{UnixHierarchySep: true}}
	boxes, err := s.ListMailboxes(store.UserInbox(user))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, mb := range boxes {
		args, _ := json.Marshal(admin.MailboxArgs{Name: cmds.Namer.External(mb.Name)})
		resp := admin.Execute(cmds, admin.Request{Cmd: admin.CmdMbexamine, Args: args})
		if !resp.OK {
			t.Fatalf("mbexamine %s: %s", mb.Name, resp.Error)
		}
		acl, _ := json.Marshal(mb.ACL)
		out[mb.Name] = string(resp.Result) + " acl=" + string(acl) + " specialuse=" + mb.SpecialUse
	}
	return out
}

// fill gives alice mail worth keeping: three mailboxes, flags, keywords,
// expunged UIDs (so that UIDNEXT is above the last message), old dates,
// an ACL for bob, subscriptions, a quota root and an active Sieve script.
func fill(t *testing.T, s *store.Store) {
	t.Helper()
	if err := s.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailbox("user.alice.Sent", store.CreateOptions{SpecialUse: `\Sent`}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMailbox("user.alice.Work", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("user.alice.Work", "bob", "lrsp"); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2019, 5, 6, 7, 8, 9, 123456789, time.UTC)
	for i := 1; i <= 12; i++ {
		box := []string{"user.alice", "user.alice.Sent", "user.alice.Work"}[i%3]
		var flags []string
		if i%2 == 0 {
			flags = append(flags, `\Seen`)
		}
		if i%4 == 0 {
			flags = append(flags, "$Work", `\Flagged`)
		}
		if _, err := s.Append(box, store.NewMessage{Body: msg(i), InternalDate: date.Add(time.Duration(i) * time.Hour), Flags: flags}); err != nil {
			t.Fatal(err)
		}
	}
	inbox, _ := s.GetMailbox("user.alice")
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{2}, Op: store.FlagsAdd, Flags: []string{`\Deleted`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{3}, Op: store.FlagsAdd, Flags: []string{`\Answered`}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"user.alice", "user.alice.Work"} {
		if err := s.Subscribe("alice", name); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 1000, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSieveScript("alice", "main", []byte("require \"fileinto\";\r\nfileinto \"Work\";\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSieveScript("alice", "spare", []byte("keep;\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActiveSieveScript("alice", "main"); err != nil {
		t.Fatal(err)
	}
}

type extras struct {
	Subs   []string
	Quotas []store.Quota
	Sieve  []store.SieveScriptInfo
	Script string
}

func extrasOf(t *testing.T, s *store.Store) extras {
	t.Helper()
	var e extras
	var err error
	if e.Subs, err = s.Subscriptions("alice"); err != nil {
		t.Fatal(err)
	}
	if e.Quotas, err = s.Quotas("user.alice"); err != nil {
		t.Fatal(err)
	}
	if e.Sieve, err = s.ListSieveScripts("alice"); err != nil {
		t.Fatal(err)
	}
	_, script, err := s.ActiveSieveScript("alice")
	if err != nil {
		t.Fatal(err)
	}
	e.Script = string(script)
	return e
}

func TestBackupWipeRestoreGivesTheSameMailboxes(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	fill(t, s)
	before, beforeExtras := examineAll(t, s, "alice"), extrasOf(t, s)
	var file bytes.Buffer
	sum, err := backup.Write(s, "alice", &file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Mailboxes != 3 || sum.Messages != 11 || sum.Scripts != 2 {
		t.Fatalf("backup summary %+v", sum)
	}
	// Restoring over the user's mail is refused.
	if _, err := backup.Read(s, bytes.NewReader(file.Bytes()), nil); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore over the user: %v", err)
	}
	if err := s.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Read(s, bytes.NewReader(file.Bytes()), nil); err != nil {
		t.Fatal(err)
	}
	compare(t, "after a wipe", before, examineAll(t, s, "alice"), beforeExtras, extrasOf(t, s))
	if ok, err := s.Authenticate("alice", "pw"); err != nil || !ok {
		t.Fatalf("the restored user cannot log in: %v %v", ok, err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after restore: %v %v", err, problems)
	}
	// Into a new store, on disk, reopened.
	dir := filepath.Join(t.TempDir(), "other")
	other := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	if _, err := backup.Read(other, bytes.NewReader(file.Bytes()), nil); err != nil {
		t.Fatal(err)
	}
	compare(t, "in a new store", before, examineAll(t, other, "alice"), beforeExtras, extrasOf(t, other))
	q, err := other.Quota("user.alice")
	if err != nil || q.Usage.Messages != 11 {
		t.Fatalf("restored quota usage %+v, %v; want the 11 messages counted", q, err)
	}
}

func compare(t *testing.T, when string, before, after map[string]string, be, ae extras) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%s: %d mailboxes, want %d", when, len(after), len(before))
	}
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s: %s differs:\nbefore %s\nafter  %s", when, name, b, after[name])
		}
	}
	bj, _ := json.Marshal(be)
	aj, _ := json.Marshal(ae)
	if string(bj) != string(aj) {
		t.Errorf("%s: subscriptions, quotas, sieve differ:\nbefore %s\nafter  %s", when, bj, aj)
	}
}

func TestBackupWhileMailArrives(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	fill(t, s)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Deliver(store.Delivery{Key: fmt.Sprint(i), Mailbox: "user.alice", Message: store.NewMessage{Body: msg(i)}, Service: "lmtpd"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var file bytes.Buffer
	for range 5 {
		file.Reset()
		if _, err := backup.Write(s, "alice", &file, nil); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	other := testkit.OpenStore(t, store.Options{NoSync: true})
	sum, err := backup.Read(other, bytes.NewReader(file.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := other.GetMailbox("user.alice")
	st, err := other.Status(mb)
	if err != nil {
		t.Fatal(err)
	}
	// The snapshot's own counters came with it: every message the
	// snapshot held, and UIDNEXT one above the last.
	snap, _ := other.Snapshot(mb)
	if last := snap.Messages[len(snap.Messages)-1].UID; st.UIDNext != last+1 || int(st.Exists) != len(snap.Messages) {
		t.Fatalf("restored INBOX: %+v, last UID %d (summary %+v)", st, last, sum)
	}
	if problems, err := other.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", err, problems)
	}
}

func TestRestoreRefusesDamagedBackups(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	fill(t, s)
	var file bytes.Buffer
	if _, err := backup.Write(s, "alice", &file, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Write(s, "nobody", &bytes.Buffer{}, nil); !errors.Is(err, store.ErrNoUser) {
		t.Fatalf("backup of a missing user: %v", err)
	}
	data := file.Bytes()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a chapar backup"},
		{"garbage", []byte(strings.Repeat("garbage\n", 200)), "not a chapar backup"},
		{"truncated", data[:len(data)*2/3], "restore alice"},
	} {
		fresh := testkit.OpenStore(t, store.Options{NoSync: true})
		_, err := backup.Read(fresh, bytes.NewReader(c.data), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", c.name, err, c.want)
		}
		if problems, cerr := fresh.Check(); cerr != nil || len(problems) > 0 {
			t.Errorf("%s: the store is left inconsistent: %v %v", c.name, cerr, problems)
		}
	}
}
