package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// appendRaw APPENDs a small message with flags over a raw IMAP session.
func appendRaw(im *rawIMAP, tag, box, flags, subject string) {
	im.t.Helper()
	msg := "From: a@example.org\r\nSubject: " + subject + "\r\n\r\nbody of " + subject + "\r\n"
	im.send(fmt.Sprintf("%s APPEND %s (%s) {%d}\r\n", tag, box, flags, len(msg)))
	im.expect("+")
	im.send(msg + "\r\n")
	if l := im.expect(tag + " "); !strings.HasPrefix(l, tag+" OK") {
		im.t.Fatalf("APPEND: %s", l)
	}
}

// untilLine repeats a command until one of its lines contains want.
func untilLine(t *testing.T, im *rawIMAP, command, want string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		lines := im.lines(fmt.Sprintf("w%d", i), command)
		for _, l := range lines {
			if strings.Contains(l, want) {
				return lines
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no line with %q: %q", command, want, lines)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDelayedExpungeUnexpunge: under expunge_mode: delayed an EXPUNGE
// looks to a client as always; chapar unexpunge lists the kept messages
// and brings them back under new UIDs with their flags, and the open
// session sees them arrive; chapar expire -X drops them for good.
func TestDelayedExpungeUnexpunge(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "expunge_mode: delayed")
	in.start()
	defer in.stop()
	in.addUser("alice")
	im := dialIMAP(t, in.imapAddr())
	im.cmd("a", "LOGIN alice secret", "a OK")
	appendRaw(im, "b1", "INBOX", `\Flagged $Work`, "one")
	appendRaw(im, "b2", "INBOX", `\Seen`, "two")
	appendRaw(im, "b3", "INBOX", "", "three")
	im.cmd("c", "SELECT INBOX", "c OK")
	im.cmd("d", `UID STORE 1:2 +FLAGS.SILENT (\Deleted)`, "d OK")
	lines := im.lines("e", "EXPUNGE")
	if strings.Count(strings.Join(lines, "\n"), " EXPUNGE\n") != 2 {
		t.Fatalf("EXPUNGE: %q", lines)
	}
	if ex := in.examine("user/alice"); ex.Exists != 1 {
		t.Fatalf("mbexamine after expunge: %d messages", ex.Exists)
	}

	out := in.mustChapar("", "unexpunge", "-l", "user/alice")
	if !strings.Contains(out, "2 expunged message(s) kept") || !strings.Contains(out, "$Work") {
		t.Fatalf("unexpunge -l:\n%s", out)
	}
	if _, err := in.chapar("", "unexpunge", "-a", "-u", "user/alice"); err == nil || !strings.Contains(err.Error(), "one of -l, -a and -u") {
		t.Fatalf("unexpunge -a -u: %v", err)
	}
	if _, err := in.chapar("", "unexpunge", "-a", "user/nobody"); err == nil {
		t.Fatal("unexpunge of a missing mailbox succeeded")
	}
	out = in.mustChapar("", "unexpunge", "-d", "-u", "user/alice", "1", "2")
	if !strings.Contains(out, "restored UID 1 as UID 4") || !strings.Contains(out, "restored UID 2 as UID 5") {
		t.Fatalf("unexpunge -d -u 1 2:\n%s", out)
	}
	// The open session learns of them as of any new message.
	untilLine(t, im, "NOOP", "* 3 EXISTS")
	lines = im.lines("f", "UID FETCH 4:5 (FLAGS)")
	got := strings.Join(lines, "\n")
	if !strings.Contains(got, `UID 4`) || !strings.Contains(got, `\Flagged`) || !strings.Contains(got, "$Work") ||
		!strings.Contains(got, `\Seen`) || strings.Contains(got, `\Deleted`) {
		t.Fatalf("flags of the restored messages:\n%s", got)
	}
	lines = im.lines("g", "UID FETCH 4 BODY.PEEK[TEXT]")
	if !strings.Contains(strings.Join(lines, "\n"), "body of one") {
		t.Fatalf("body of the restored message: %q", lines)
	}
	if out := in.mustChapar("", "unexpunge", "-l", "user/alice"); !strings.Contains(out, "0 expunged message(s) kept") {
		t.Fatalf("unexpunge -l after restoring all:\n%s", out)
	}

	// Expunged again, then expired: nothing left to restore.
	im.cmd("h", `UID STORE 4 +FLAGS.SILENT (\Deleted)`, "h OK")
	im.cmd("i", "EXPUNGE", "i OK")
	if out := in.mustChapar("", "expire", "-X", "1"); !strings.Contains(out, "expunged messages removed: 0") {
		t.Fatalf("expire -X 1 took a fresh expunge:\n%s", out)
	}
	if out := in.mustChapar("", "expire", "-X", "0"); !strings.Contains(out, "expunged messages removed: 1") {
		t.Fatalf("expire -X 0:\n%s", out)
	}
	if out := in.mustChapar("", "unexpunge", "-a", "user/alice"); !strings.Contains(out, "restored 0 expunged message(s)") {
		t.Fatalf("unexpunge -a after expire:\n%s", out)
	}
	if _, err := in.chapar("", "expire", "-X", "soon"); err == nil || !strings.Contains(err.Error(), "expected a number of days") {
		t.Fatalf("expire -X soon: %v", err)
	}
	if out := in.mustChapar("", "check"); !strings.Contains(out, "store is consistent") {
		t.Fatalf("check:\n%s", out)
	}

	// With no server running, unexpunge works on the store itself, and
	// the server finds the message back at its next start.
	im.cmd("j", `UID STORE 5 +FLAGS.SILENT (\Deleted)`, "j OK")
	im.cmd("k", "EXPUNGE", "k OK")
	in.stop()
	if out := in.mustChapar("", "unexpunge", "-l", "user/alice"); !strings.Contains(out, "1 expunged message(s) kept") {
		t.Fatalf("unexpunge -l without a server:\n%s", out)
	}
	if out := in.mustChapar("", "unexpunge", "-a", "user/alice"); !strings.Contains(out, "restored UID 5 as UID 6") {
		t.Fatalf("unexpunge -a without a server:\n%s", out)
	}
	in.start()
	ex := in.examine("user/alice")
	if ex.Exists != 2 || ex.Messages[len(ex.Messages)-1].UID != 6 {
		t.Fatalf("after restart: %+v", ex)
	}
	if body := in.fetchBody("alice", "INBOX", 6); !strings.Contains(string(body), "body of two") {
		t.Fatalf("UID 6 after restart: %q", body)
	}
}

// TestDelayedDelete: under delete_mode: delayed a DELETE moves the
// mailbox into DELETED, which an administrator lists and its owner does
// not; chapar expire -D removes it for good.
func TestDelayedDelete(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "delete_mode: delayed", "admins: admin")
	in.start()
	defer in.stop()
	in.addUser("alice")
	in.addUser("admin")
	alice := dialIMAP(t, in.imapAddr())
	alice.cmd("a", "LOGIN alice secret", "a OK")
	alice.cmd("b", "CREATE Work", "b OK")
	appendRaw(alice, "c", "Work", `\Flagged`, "kept")
	alice.cmd("d", "DELETE Work", "d OK")
	for _, l := range alice.lines("e", `LIST "" "*"`) {
		if strings.Contains(l, "DELETED") || strings.Contains(l, "Work") {
			t.Fatalf("alice lists %q", l)
		}
	}
	alice.cmd("f", "CREATE Work", "f OK") // the name is free again

	admin := dialIMAP(t, in.imapAddr())
	admin.cmd("a", "LOGIN admin secret", "a OK")
	var deleted string
	for _, l := range admin.lines("b", `LIST "" "DELETED/*"`) {
		if i := strings.Index(l, "DELETED/user/alice/Work/"); i >= 0 {
			deleted = strings.Trim(l[i:], `"`)
		}
	}
	if deleted == "" {
		t.Fatal("the admin does not list DELETED/user/alice/Work/...")
	}
	admin.cmd("c", `EXAMINE "`+deleted+`"`, "c OK")
	admin.cmd("c2", "CLOSE", "c2 OK")
	alice.cmd("g", `EXAMINE "`+deleted+`"`, "g NO")

	if out := in.mustChapar("", "expire", "-D", "1"); !strings.Contains(out, "deleted mailboxes removed: 0") {
		t.Fatalf("expire -D 1:\n%s", out)
	}
	time.Sleep(1100 * time.Millisecond) // DELETED names count whole seconds
	if out := in.mustChapar("", "expire", "-D", "0", "-E", "3"); !strings.Contains(out, "deleted mailboxes removed: 1") {
		t.Fatalf("expire -D 0:\n%s", out)
	}
	for _, l := range admin.lines("d", `LIST "" "DELETED/*"`) {
		if strings.Contains(l, "DELETED/") {
			t.Fatalf("after expire -D the admin still lists %q", l)
		}
	}
}

// TestIpurgeCommand: ipurge by size through the running server, users'
// mailboxes only with -f, and its argument errors.
func TestIpurgeCommand(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.start()
	defer in.stop()
	in.addUser("bob")
	im := dialIMAP(t, in.imapAddr())
	im.cmd("a", "LOGIN bob secret", "a OK")
	appendRaw(im, "b", "INBOX", "", strings.Repeat("big", 400))
	appendRaw(im, "c", "INBOX", "", "small")
	if out := in.mustChapar("", "ipurge", "-b", "1000", "user/*"); strings.Contains(out, "user/bob") {
		t.Fatalf("ipurge without -f touched bob:\n%s", out)
	}
	if out := in.mustChapar("", "ipurge", "-f", "-n", "-k", "1", "user/*"); !strings.Contains(out, "user/bob: 1 message(s)") {
		t.Fatalf("ipurge -f -n -k 1:\n%s", out)
	}
	if ex := in.examine("user/bob"); ex.Exists != 2 {
		t.Fatalf("a dry run removed messages: %d left", ex.Exists)
	}
	in.mustChapar("", "ipurge", "-f", "-b", "1000", "user/bob")
	if ex := in.examine("user/bob"); ex.Exists != 1 {
		t.Fatalf("ipurge -f -b 1000: %d left, want 1", ex.Exists)
	}
	for _, args := range [][]string{
		{"ipurge", "user/*"},
		{"ipurge", "-d", "3", "-b", "10", "user/*"},
		{"ipurge", "-b", "10"},
		{"ipurge", "-d", "-1", "x"},
	} {
		if _, err := in.chapar("", args...); err == nil || !strings.Contains(err.Error(), "ipurge") {
			t.Errorf("chapar %v: %v", args, err)
		}
	}
}
