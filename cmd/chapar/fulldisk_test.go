package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// mountTmpfs mounts a tmpfs of the given size (mount's syntax: "512k",
// "16m") on dir, creating it, and unmounts it when the test ends. It skips
// the test where mounting is not allowed.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// fill writes a file into dir until the file system says it is full, and
// returns the file's path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	// The last blocks: a short write can leave a few bytes.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			return filler
		}
	}
}

// wantNoSpace checks an LMTP delivery's reply is 452 4.3.1.
func wantNoSpace(t *testing.T, in *instance, replies map[string]error, err error, rcpt string) {
	t.Helper()
	if err != nil {
		// A refusal of the whole DATA comes as the session error.
		if code, enh := testkit.SMTPCode(err); code == 452 && enh == "4.3.1" {
			return
		}
		t.Fatalf("session failed instead of 452 4.3.1: %v\nlog:\n%s", err, in.log())
	}
	if code, enh := testkit.SMTPCode(replies[rcpt]); code != 452 || enh != "4.3.1" {
		t.Fatalf("full disk: got %d %s (%v), want 452 4.3.1\nlog:\n%s", code, enh, replies[rcpt], in.log())
	}
}

// TestFullPartitionAnswers452 puts the mail partition on a tiny tmpfs and
// fills it: a delivery that cannot be written is answered 452 4.3.1 (the
// MTA keeps the message and retries), nothing half-written appears, an
// APPEND is refused NO [OVERQUOTA], and once space is back the next
// delivery succeeds.
func TestFullPartitionAnswers452(t *testing.T) {
	t.Parallel()
	part := filepath.Join(t.TempDir(), "partition")
	mountTmpfs(t, part, "512k")

	in := newInstance(t, "partition-default: "+part)
	in.start()
	in.addUser("erin")
	if _, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"erin@example.com"}, testMessage("before@x", "before")); err != nil {
		t.Fatal(err)
	}

	filler := fill(t, part)

	big := testMessage("full@x", "full") + strings.Repeat("x", 60000) + "\r\n"
	start := time.Now()
	replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"erin@example.com"}, big)
	wantNoSpace(t, in, replies, err, "erin@example.com")
	// Reported, not asserted: timings vary with the machine.
	t.Logf("delivery on a full partition answered 452 in %s", time.Since(start).Round(time.Millisecond))

	imap := dialIMAP(t, in.imapAddr())
	imap.cmd("a", "LOGIN erin secret", "a OK")
	msg := testMessage("append@x", "append") + strings.Repeat("y", 60000) + "\r\n"
	imap.send(fmt.Sprintf("b APPEND INBOX {%d}\r\n", len(msg)))
	imap.expect("+")
	imap.send(msg + "\r\n")
	if line := imap.expect("b "); !strings.HasPrefix(line, "b NO [OVERQUOTA]") {
		t.Fatalf("APPEND on a full partition: %q, want NO [OVERQUOTA]\nlog:\n%s", line, in.log())
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

// TestFullJetStreamRecovers puts JetStream's store directory on a small
// tmpfs and fills it. nats-server disables JetStream when a write fails for
// lack of space; LMTP must answer 452 4.3.1 promptly while it is off, and
// once the space is freed chapar's supervisor re-enables it and mail is
// taken again, without a restart.
func TestFullJetStreamRecovers(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	js := filepath.Join(in.dir, "data", "jetstream")
	mountTmpfs(t, js, "24m")
	in.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", in.log())
		}
	})
	in.addUser("fay")
	if _, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"fay@example.com"}, testMessage("before@x", "before")); err != nil {
		t.Fatal(err)
	}

	filler := fill(t, js)
	big := testMessage("full@x", "full") + strings.Repeat("x", 100000) + "\r\n"
	// The first refused write is what makes nats-server give up on
	// JetStream; every delivery from then on must be refused 452 too.
	for i := range 3 {
		start := time.Now()
		replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"fay@example.com"}, big)
		wantNoSpace(t, in, replies, err, "fay@example.com")
		// Reported, not asserted: timings vary with the machine.
		t.Logf("delivery %d on a full JetStream answered 452 in %s", i+1, time.Since(start).Round(time.Millisecond))
	}
	if !strings.Contains(in.log(), "JetStream is disabled") {
		t.Fatalf("the supervisor did not log JetStream going down\nlog:\n%s", in.log())
	}
	// A flag change while JetStream is down: its change event cannot be
	// stored, and must not wedge the event publisher for good.
	imap := dialIMAP(t, in.imapAddr())
	imap.cmd("a", "LOGIN fay secret", "a OK")
	imap.cmd("b", "SELECT INBOX", "b OK")
	imap.cmd("c", `STORE 1 +FLAGS (\Seen)`, "c OK")
	// A second session waits in IDLE for what comes after the episode.
	idler := dialIMAP(t, in.imapAddr())
	idler.cmd("a", "LOGIN fay secret", "a OK")
	idler.cmd("b", "SELECT INBOX", "b OK")
	idler.send("c IDLE\r\n")
	idler.expect("+")

	os.Remove(filler)
	testkit.CheckFor(t, 20*time.Second, func() error {
		replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"fay@example.com"}, testMessage("after@x", "after"))
		if err != nil {
			return err
		}
		return replies["fay@example.com"]
	})
	if !strings.Contains(in.log(), "JetStream re-enabled") {
		t.Fatalf("the supervisor did not log JetStream coming back\nlog:\n%s", in.log())
	}
	// Change events flow again: IDLE hears of the new message.
	idler.expect("* 2 EXISTS")
	testkit.CheckFor(t, 10*time.Second, func() error {
		var ids []string
		for _, m := range in.examine("user/fay").Messages {
			ids = append(ids, m.MessageID)
		}
		if got := strings.Join(ids, " "); got != "<before@x> <after@x>" {
			return fmt.Errorf("messages after the episode: %s", got)
		}
		return nil
	})
}

// lineConn is a line-level protocol connection for the whole-binary
// tests, closed when the test ends; rawIMAP and sieveConn speak over it.
type lineConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialLine(t *testing.T, addr string) *lineConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &lineConn{t: t, c: c, r: bufio.NewReader(c)}
}

// rawIMAP is a line-level IMAP client for the whole-binary tests.
type rawIMAP struct{ *lineConn }

func dialIMAP(t *testing.T, addr string) *rawIMAP {
	t.Helper()
	im := &rawIMAP{dialLine(t, addr)}
	im.expect("* OK")
	return im
}

func (im *rawIMAP) send(s string) {
	im.t.Helper()
	if _, err := im.c.Write([]byte(s)); err != nil {
		im.t.Fatal(err)
	}
}

// expect reads lines until one starts with prefix, and returns it.
func (im *rawIMAP) expect(prefix string) string {
	im.t.Helper()
	for {
		line, err := im.r.ReadString('\n')
		if err != nil {
			im.t.Fatalf("waiting for %q: %v", prefix, err)
		}
		if strings.HasPrefix(line, prefix) {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

// cmd sends a tagged command and checks its completion starts with want.
func (im *rawIMAP) cmd(tag, command, want string) {
	im.t.Helper()
	im.send(tag + " " + command + "\r\n")
	if line := im.expect(tag + " "); !strings.HasPrefix(line, want) {
		im.t.Fatalf("%s %s: %q, want %q", tag, command, line, want)
	}
}
