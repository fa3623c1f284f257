package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/lifecycle/mailfile/mailfiletest"
)

// examineUser is chapar mbexamine --json of every mailbox mboxlist lists
// under user/NAME.
func (in *instance) examineUser(name string) map[string]admin.Examination {
	in.t.Helper()
	var list []admin.MboxlistEntry
	if err := json.Unmarshal([]byte(in.mustChapar("", "mboxlist", "--json")), &list); err != nil {
		in.t.Fatal(err)
	}
	out := map[string]admin.Examination{}
	for _, e := range list {
		if e.Name == "user."+name || strings.HasPrefix(e.Name, "user."+name+".") {
			out[e.External] = in.examine(e.External)
		}
	}
	return out
}

// A user's mail delivered over LMTP, imported from mutt's mbox and from a
// Dovecot Maildir, with a Sieve script and a quota, is backed up while the
// server runs, deleted, restored, and restored again into a new store by
// the binary with no server: mbexamine --json is the same every time, and
// IMAP serves the same bytes.
func TestBackupImportRestoreThroughTheBinary(t *testing.T) {
	in := newInstance(t)
	in.start()
	in.addUser("alice")
	for _, id := range []string{"a1@example.org", "a2@example.org", "a3@example.org"} {
		if replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"alice@example.com"}, testMessage(id, id)); err != nil || replies["alice@example.com"] != nil {
			t.Fatalf("LMTP: %v %v", replies, err)
		}
	}
	mbox, err := filepath.Abs("../../lifecycle/mailfile/testdata/mutt.mbox")
	if err != nil {
		t.Fatal(err)
	}
	out := in.mustChapar("", "import", "--mailbox", "user/alice/Old", "mbox", "alice", mbox)
	if !strings.Contains(out, "imported 4 messages") {
		t.Fatalf("import mbox: %s", out)
	}
	// A rerun finds them there.
	if out := in.mustChapar("", "import", "mbox", "alice", mbox, "--mailbox", "user/alice/Old"); !strings.Contains(out, "imported 0 messages") || !strings.Contains(out, "4 already there") {
		t.Fatalf("import rerun: %s", out)
	}
	maildir := filepath.Join(t.TempDir(), "Maildir")
	mailfiletest.WriteDovecotMaildir(t, maildir)
	out = in.mustChapar("", "import", "--mailbox", "user/alice/Dovecot", "maildir", "alice", maildir)
	if !strings.Contains(out, "imported 5 messages") || !strings.Contains(out, "skipped: user.alice.Dovecot: cur/1700000260.M5P1.host:2,S: does not begin with a header field") {
		t.Fatalf("import maildir: %s", out)
	}
	malformed, _ := filepath.Abs("../../lifecycle/mailfile/testdata/malformed.mbox")
	out = in.mustChapar("", "import", "mbox", "alice", malformed)
	if !strings.Contains(out, "imported 2 messages") || strings.Count(out, "skipped: user.alice:") != 3 {
		t.Fatalf("import malformed: %s", out)
	}
	in.mustChapar("require \"fileinto\";\nfileinto \"Old\";\n", "sieve", "put", "alice", "main", "-")
	in.mustChapar("", "sieve", "activate", "alice", "main")
	in.mustChapar("", "quota", "set", "user/alice", "STORAGE=5000")
	before := in.examineUser("alice")
	if len(before) != 5 {
		t.Fatalf("mailboxes before: %v", before)
	}
	dump := in.mustChapar("", "mboxlist", "--dump")
	if !strings.HasPrefix(dump, "user.alice\tdefault\talice\t") {
		t.Fatalf("mboxlist --dump:\n%s", dump)
	}

	file := filepath.Join(t.TempDir(), "alice.backup")
	if out := in.mustChapar("", "backup", "alice", file); !strings.Contains(out, "alice: 5 mailboxes, 14 messages") {
		t.Fatalf("backup: %s", out)
	}
	if _, err := in.chapar("", "restore", file); err == nil || !strings.Contains(err.Error(), "delete the user first") {
		t.Fatalf("restore over the user: %v", err)
	}
	in.mustChapar("", "user", "delete", "alice")
	in.mustChapar("", "restore", file)
	if after := in.examineUser("alice"); !reflect.DeepEqual(before, after) {
		t.Fatalf("after restore:\n%+v\nwant\n%+v", after, before)
	}
	body := in.fetchBody("alice", "INBOX", 2)
	if !strings.Contains(string(body), "Message-ID: <a2@example.org>") {
		t.Fatalf("IMAP after restore: %q", body)
	}
	in.stop()

	// A new store, no server: the binary restores on the store directly.
	fresh := newInstance(t)
	if _, err := fresh.chapar("", "restore", file); err != nil {
		t.Fatal(err)
	}
	if out := fresh.mustChapar(dump, "mboxlist", "--restore"); !strings.Contains(out, "0 created, 0 ACLs restored, 5 unchanged") {
		t.Fatalf("mboxlist --restore: %s", out)
	}
	fresh.start()
	if after := fresh.examineUser("alice"); !reflect.DeepEqual(before, after) {
		t.Fatalf("in a new store:\n%+v\nwant\n%+v", after, before)
	}
	if got := fresh.fetchBody("alice", "INBOX", 2); string(got) != string(body) {
		t.Fatalf("IMAP in the new store: %q, want %q", got, body)
	}
	if out := fresh.mustChapar("", "sieve", "list", "alice"); !strings.Contains(out, "main") || !strings.Contains(out, "active") {
		t.Fatalf("sieve after restore: %s", out)
	}
	if out := fresh.mustChapar("", "quota", "user/alice"); !strings.Contains(out, "5000") {
		t.Fatalf("quota after restore: %s", out)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}

// An import cut off by a SIGKILL of the server after its first batch
// resumes: the rerun imports the rest, every message is there exactly
// once, and the store checks clean.
func TestImportResumesAfterTheServerIsKilled(t *testing.T) {
	in := newInstance(t)
	in.start()
	in.addUser("bob")
	const n = 3000
	var mbox strings.Builder
	for i := range n {
		fmt.Fprintf(&mbox, "From s@example.org Mon Feb  3 01:02:03 2020\nFrom: s@example.org\nSubject: %d\nMessage-ID: <%d@gen>\n\n%s\n\n", i, i, strings.Repeat("x", 1000))
	}
	path := filepath.Join(t.TempDir(), "big.mbox")
	if err := os.WriteFile(path, []byte(mbox.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chaparBin, "import", "mbox", "bob", path, "-C", in.conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "chapar import: user.bob:") {
			break
		}
	}
	in.kill()
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err == nil {
		t.Log("the import finished before the kill; the rerun below still must find all of it")
	}
	in.start()
	out := in.mustChapar("", "import", "mbox", "bob", path)
	var imported, already int
	if _, err := fmt.Sscanf(out[strings.Index(out, "imported "):], "imported %d messages", &imported); err != nil {
		t.Fatalf("rerun: %s", out)
	}
	if i := strings.Index(out, "), "); i < 0 {
		t.Fatalf("rerun: %s", out)
	} else if _, err := fmt.Sscanf(out[i+3:], "%d already there", &already); err != nil {
		t.Fatalf("rerun: %s", out)
	}
	if already == 0 || imported+already != n {
		t.Fatalf("rerun imported %d with %d already there; want them to add up to %d, some from the first run\n%s", imported, already, n, out)
	}
	t.Logf("rerun after the kill: %d imported, %d already there", imported, already)
	ex := in.examine("user/bob")
	if len(ex.Messages) != n {
		t.Fatalf("INBOX holds %d messages, want %d", len(ex.Messages), n)
	}
	seen := map[string]bool{}
	for _, m := range ex.Messages {
		if seen[m.MessageID] {
			t.Fatalf("%s imported twice", m.MessageID)
		}
		seen[m.MessageID] = true
	}
	if out := in.mustChapar("", "check"); !strings.Contains(out, "store is consistent") {
		t.Fatalf("check: %s", out)
	}
}
