package imap

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// muttZ runs "mutt -Z" on alice's INBOX in a pseudo-terminal (script(1)),
// quitting at once if it opens a mailbox, and returns what it printed.
func muttZ(t *testing.T, env *testEnv) (string, error) {
	t.Helper()
	dir := t.TempDir()
	rc := filepath.Join(dir, "muttrc")
	url := "imap://alice@127.0.0.1:" + port(env.addr) + "/"
	conf := "set folder=\"" + url + "\"\n" +
		"set spoolfile=\"" + url + "INBOX\"\n" +
		"set imap_pass=pw\n" +
		"set ssl_starttls=no\nset ssl_force_tls=no\n" +
		"set header_cache=\"\"\nset message_cachedir=\"\"\n" +
		"mailboxes =INBOX\n" +
		"push q\n"
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("script", "-qec", "mutt -n -F "+rc+" -Z", "/dev/null")
	cmd.Env = append(os.Environ(), "TERM=vt100", "HOME="+dir)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("mutt did not end: %q", out)
	}
	return string(out), err
}

// TestMuttZ: "mutt -Z" opens a mailbox when STATUS says it has RECENT
// messages (it reads RECENT, not UNSEEN), so it finds new mail once, and
// not again after its own SELECT took the \Recent flags, though the
// message is still unseen; with more mail it counts the unseen message
// it already showed as old and only the new one as new.
func TestMuttZ(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"mutt", "script"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed: the mutt -Z check needs it")
		}
	}
	env := newTestEnv(t)
	const none = "No mailbox with new mail."
	if out, err := muttZ(t, env); err == nil || !strings.Contains(out, none) {
		t.Fatalf("empty INBOX: mutt -Z said %v\n%q", err, out)
	}
	env.deliver(t, "alice", testMessage("new", "x"))
	if out, err := muttZ(t, env); err != nil || !strings.Contains(out, "Msgs:1 New:1") {
		t.Fatalf("new mail: mutt -Z said %v\n%q", err, out)
	}
	if out, err := muttZ(t, env); err == nil || !strings.Contains(out, none) {
		t.Fatalf("mail seen by the first mutt: mutt -Z said %v\n%q", err, out)
	}
	env.deliver(t, "alice", testMessage("newer", "y"))
	if out, err := muttZ(t, env); err != nil || !strings.Contains(out, "Msgs:2 New:1 Old:1") {
		t.Fatalf("more new mail: mutt -Z said %v\n%q", err, out)
	}
}
