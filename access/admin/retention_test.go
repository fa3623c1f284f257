package admin_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/store"
)

func retentionServer(t *testing.T, opts store.Options) (*store.Store, func(cmd string, args, out any) error) {
	t.Helper()
	opts.NoSync = true
	st := testkit.OpenStore(t, opts)
	srv := &admin.Server{Commands: &admin.Commands{Store: st, Namer: store.Namer{UnixHierarchySep: true}}, Log: testkit.Quiet()}
	sock := filepath.Join(t.TempDir(), "admin")
	l, err := srv.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return st, func(cmd string, args, out any) error {
		t.Helper()
		return admin.Call(sock, cmd, args, out)
	}
}

func put(t *testing.T, st *store.Store, mailbox, key, date string, size int, flags ...string) {
	t.Helper()
	body := fmt.Sprintf("Date: %s\r\nSubject: %s\r\n\r\n%s\r\n", date, key, strings.Repeat("x", size))
	if _, err := st.Deliver(store.Delivery{Key: key, Mailbox: mailbox, Message: store.NewMessage{Body: []byte(body), Flags: flags}}); err != nil {
		t.Fatal(err)
	}
}

func TestAdminUnexpungeAndExpire(t *testing.T) {
	t.Parallel()
	st, call := retentionServer(t, store.Options{DelayedExpunge: true, DelayedDelete: true})
	if _, err := st.CreateMailbox("user.alice", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Format(time.RFC1123Z)
	for i := 1; i <= 3; i++ {
		put(t, st, "user.alice", fmt.Sprint("k", i), now, 10, `\Deleted`, `\Answered`)
	}
	inbox, _ := st.GetMailbox("user.alice")
	if _, err := st.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	var rep admin.UnexpungeReport
	if err := call(admin.CmdUnexpunge, admin.UnexpungeArgs{Mailbox: "user/alice", List: true}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Kept) != 3 || rep.Kept[0].UID != 1 || !slices.Contains(rep.Kept[0].Flags, `\Answered`) {
		t.Fatalf("unexpunge -l = %+v", rep)
	}
	for _, bad := range []admin.UnexpungeArgs{
		{Mailbox: "user/alice"},
		{Mailbox: "user/alice", List: true, All: true},
		{Mailbox: "user/alice", UIDs: []uint32{}},
		{Mailbox: "user/nobody", All: true},
		{Mailbox: "user/alice", All: true, AddFlag: `\Seen`},
	} {
		if err := call(admin.CmdUnexpunge, bad, nil); err == nil {
			t.Errorf("unexpunge %+v: no error", bad)
		}
	}
	rep = admin.UnexpungeReport{}
	if err := call(admin.CmdUnexpunge, admin.UnexpungeArgs{Mailbox: "user/alice", UIDs: []uint32{2}, ClearDeleted: true, AddFlag: "$Restored"}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Restored) != 1 || rep.Restored[0] != (store.Restored{OldUID: 2, UID: 4}) {
		t.Fatalf("unexpunge -u 2 = %+v", rep)
	}
	m, err := st.GetMessage(inbox, 4)
	if err != nil || !slices.Contains(m.Flags, "$Restored") || slices.Contains(m.Flags, `\Deleted`) || !slices.Contains(m.Flags, `\Answered`) {
		t.Fatalf("restored message %+v, %v", m, err)
	}

	// expire: nothing is old enough at 1 day; at 0 everything kept goes.
	if err := call(admin.CmdExpire, admin.ExpireArgs{}, nil); err == nil || !strings.Contains(err.Error(), "-X, -D or -E") {
		t.Fatalf("expire without ages: %v", err)
	}
	day, zero := int64(86400), int64(0)
	var ex admin.ExpireReport
	if err := call(admin.CmdExpire, admin.ExpireArgs{ExpungedSeconds: &day, DeletedSeconds: &day, DuplicateSeconds: &day}, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Expunged != 0 || len(ex.Mailboxes) != 0 {
		t.Fatalf("expire at one day = %+v", ex)
	}
	if _, err := st.CreateMailbox("user.alice.Old", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMailbox("user.alice.Old"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the DELETED name counts whole seconds
	ex = admin.ExpireReport{}
	if err := call(admin.CmdExpire, admin.ExpireArgs{ExpungedSeconds: &zero, DeletedSeconds: &zero}, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Expunged != 2 || len(ex.Mailboxes) != 1 || !strings.HasPrefix(ex.Mailboxes[0], "DELETED.user.alice.Old.") {
		t.Fatalf("expire at zero = %+v", ex)
	}
	if kept, _ := st.Expunged(inbox); len(kept) != 0 {
		t.Fatalf("kept after expire: %+v", kept)
	}
	if del, _ := st.DeletedMailboxes(); len(del) != 0 {
		t.Fatalf("DELETED after expire: %+v", del)
	}
}

func TestAdminIpurge(t *testing.T) {
	t.Parallel()
	st, call := retentionServer(t, store.Options{})
	for _, name := range []string{"shared", "shared.news", "user.bob"} {
		if _, err := st.CreateMailbox(name, store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-10 * 24 * time.Hour).Format(time.RFC1123Z)
	now := time.Now().Format(time.RFC1123Z)
	put(t, st, "shared.news", "old-small", old, 10)
	put(t, st, "shared.news", "new-big", now, 5000)
	put(t, st, "shared.news", "old-flagged", old, 10, `\Flagged`)
	put(t, st, "user.bob", "bob-old", old, 10)
	seven := int64(7 * 86400)
	var rep admin.IpurgeReport
	// Dry run by age, sparing \Flagged: only the old unflagged one.
	if err := call(admin.CmdIpurge, admin.IpurgeArgs{Patterns: []string{"*"}, Seconds: seven, Bytes: -1, SkipFlagged: true, DryRun: true}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Mailboxes) != 2 || rep.Mailboxes[1].Mailbox != "shared/news" || !slices.Equal(rep.Mailboxes[1].UIDs, []uint32{1}) {
		t.Fatalf("ipurge -n -s -d 7 = %+v", rep)
	}
	if st2, _ := st.GetMailbox("shared.news"); st2 != nil {
		if s, _ := st.Status(st2); s.Exists != 3 {
			t.Fatalf("dry run removed messages: exists %d", s.Exists)
		}
	}
	// By size, users' mailboxes only with -f.
	rep = admin.IpurgeReport{}
	if err := call(admin.CmdIpurge, admin.IpurgeArgs{Patterns: []string{"shared/%"}, Seconds: -1, Bytes: 1000}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Mailboxes) != 1 || !slices.Equal(rep.Mailboxes[0].UIDs, []uint32{2}) {
		t.Fatalf("ipurge -b 1000 shared/%% = %+v", rep)
	}
	rep = admin.IpurgeReport{}
	if err := call(admin.CmdIpurge, admin.IpurgeArgs{Patterns: []string{"user/*"}, Seconds: seven, Bytes: -1}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Mailboxes) != 0 {
		t.Fatalf("ipurge without -f touched %+v", rep)
	}
	if err := call(admin.CmdIpurge, admin.IpurgeArgs{Patterns: []string{"user/*"}, Seconds: seven, Bytes: -1, Force: true}, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Mailboxes) != 1 || !slices.Equal(rep.Mailboxes[0].UIDs, []uint32{1}) {
		t.Fatalf("ipurge -f -d 7 user/* = %+v", rep)
	}
	bob, _ := st.GetMailbox("user.bob")
	if s, _ := st.Status(bob); s.Exists != 0 {
		t.Fatalf("bob's old message still there")
	}
	for _, bad := range []admin.IpurgeArgs{
		{Patterns: []string{"*"}, Seconds: -1, Bytes: -1},
		{Patterns: []string{"*"}, Seconds: 1, Bytes: 1},
		{Seconds: 1, Bytes: -1},
	} {
		if err := call(admin.CmdIpurge, bad, nil); err == nil {
			t.Errorf("ipurge %+v: no error", bad)
		}
	}
}
