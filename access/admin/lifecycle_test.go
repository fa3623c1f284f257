package admin_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/lifecycle/backup"
	"chapar/lifecycle/mailimport"
	"chapar/store"
)

// Import, backup and restore over a real admin socket: progress arrives
// before the result, and the files are the server's to read and write.
func TestLifecycleOverTheSocket(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	if err := st.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	srv := &admin.Server{Commands: &admin.Commands{Store: st, Namer: store.Namer{UnixHierarchySep: true}}, Log: testkit.Quiet()}
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin")
	l, err := srv.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	mbox, err := filepath.Abs("../../lifecycle/mailfile/testdata/mutt.mbox")
	if err != nil {
		t.Fatal(err)
	}
	var progress []mailimport.Progress
	var rep mailimport.Report
	err = admin.CallProgress(sock, admin.CmdImport, admin.ImportArgs{Format: "mbox", User: "alice", Mailbox: "user/alice/Old", Path: mbox},
		func(p json.RawMessage) {
			var pr mailimport.Progress
			if err := json.Unmarshal(p, &pr); err != nil {
				t.Errorf("progress %s: %v", p, err)
			}
			progress = append(progress, pr)
		}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 4 || len(progress) == 0 || progress[len(progress)-1].Imported != 4 || progress[0].Mailbox != "user.alice.Old" {
		t.Fatalf("import: %+v, progress %+v", rep, progress)
	}
	if err := admin.CallProgress(sock, admin.CmdImport, admin.ImportArgs{Format: "mbox", User: "alice", Path: "relative.mbox"}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "absolute") {
		t.Fatalf("a relative path: %v", err)
	}
	if err := admin.CallProgress(sock, admin.CmdImport, admin.ImportArgs{Format: "mbox", User: "nobody", Path: mbox}, nil, nil); err == nil {
		t.Fatal("import for a missing user succeeded")
	}

	file := filepath.Join(dir, "alice.tar")
	var sum backup.Summary
	if err := admin.CallProgress(sock, admin.CmdBackup, admin.BackupArgs{User: "alice", File: file}, nil, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Messages != 4 || sum.Mailboxes != 2 {
		t.Fatalf("backup summary %+v", sum)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if err := admin.CallProgress(sock, admin.CmdRestore, admin.BackupArgs{File: file}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "delete the user first") {
		t.Fatalf("restore over the user: %v", err)
	}
	if err := admin.Call(sock, admin.CmdUserDelete, admin.UserArgs{Name: "alice"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := admin.CallProgress(sock, admin.CmdRestore, admin.BackupArgs{File: file}, nil, &sum); err != nil || sum.Messages != 4 {
		t.Fatalf("restore: %+v %v", sum, err)
	}

	var dump admin.MboxlistDump
	if err := admin.CallProgress(sock, admin.CmdMboxlistDump, nil, nil, &dump); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dump.Dump, "user.alice\tdefault\talice\t") || !strings.Contains(dump.Dump, "\nuser.alice.Old\tdefault\t") {
		t.Fatalf("dump %q", dump.Dump)
	}
	var mrep backup.MboxlistReport
	if err := admin.CallProgress(sock, admin.CmdMboxlistRestore, dump, nil, &mrep); err != nil || mrep.Same != 2 {
		t.Fatalf("mboxlist restore: %+v %v", mrep, err)
	}
}
