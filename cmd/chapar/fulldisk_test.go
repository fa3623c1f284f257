package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestFullPartitionAnswers4xx puts the mail partition on a tiny tmpfs and
// fills it: a delivery that cannot be written is answered 451 4.3.0 (the MTA
// keeps the message and retries), nothing half-written appears, and once
// space is back the next delivery succeeds.
func TestFullPartitionAnswers4xx(t *testing.T) {
	t.Parallel()
	part := filepath.Join(t.TempDir(), "partition")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", part).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", part).Run() })

	in := newInstance(t, "partition-default: "+part)
	in.start()
	in.addUser("erin")
	if _, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"erin@example.com"}, testMessage("before@x", "before")); err != nil {
		t.Fatal(err)
	}

	// Fill what is left of the partition.
	filler := filepath.Join(part, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	big := testMessage("full@x", "full") + strings.Repeat("x", 60000) + "\r\n"
	replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"erin@example.com"}, big)
	if err != nil {
		t.Fatalf("session failed instead of a per-recipient 4xx: %v\nlog:\n%s", err, in.log())
	}
	if code, enh := testkit.SMTPCode(replies["erin@example.com"]); code != 451 || enh != "4.3.0" {
		t.Fatalf("full partition: got %d %s (%v), want 451 4.3.0\nlog:\n%s", code, enh, replies["erin@example.com"], in.log())
	}

	os.Remove(filler)
	replies, err = testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"erin@example.com"}, testMessage("after@x", "after"))
	if err != nil || replies["erin@example.com"] != nil {
		t.Fatalf("delivery after space came back: %v %v", replies, err)
	}
	// Past the first retry interval (2s): a job still queued would have
	// been delivered by now.
	time.Sleep(3 * time.Second)
	var ids []string
	for _, m := range in.examine("user/erin").Messages {
		ids = append(ids, m.MessageID)
	}
	if strings.Join(ids, " ") != "<before@x> <after@x>" {
		t.Fatalf("messages after the full-disk episode: %v (the refused one must not appear)", ids)
	}
	if out := in.mustChapar("", "check"); !strings.Contains(out, "consistent") {
		t.Fatalf("check: %s", out)
	}
}
