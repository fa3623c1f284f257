package pop3

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// Real POP3 clients written apart from this server: Python's poplib and
// fetchmail (Debian's package; .ci/run installs it).

// poplibScript lists, retrieves and deletes over STLS, then checks in a
// second session that the deletion held and UIDL stayed the same.
const poplibScript = `
import os, poplib, ssl, sys

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)

port = int(os.environ["POP3_PORT"])
ctx = ssl._create_unverified_context()

p = poplib.POP3("127.0.0.1", port, timeout=30)
caps = p.capa()
check("STLS" in caps and "UIDL" in caps and "TOP" in caps and "RESP-CODES" in caps, "capa %r" % caps)
p.stls(context=ctx)
p.user("alice")
p.pass_("secret")
count, size = p.stat()
check(count == 3, "stat %r" % ((count, size),))
resp, listing, _ = p.list()
check(len(listing) == 3, "list %r" % listing)
check(sum(int(l.split()[1]) for l in listing) == size, "list sizes %r against %d" % (listing, size))
resp, uids, _ = p.uidl()
first_uids = [u.split()[1] for u in uids]
resp, lines, octets = p.retr(2)
check(b"Subject: two" in lines and b".starts with a dot" in lines, "retr %r" % lines)
resp, lines, _ = p.top(1, 0)
check(lines[-1] == b"" and b"Subject: one" in lines and b"first line" not in lines, "top %r" % lines)
p.dele(1)
try:
    p.retr(1)
    check(False, "retr of a deleted message")
except poplib.error_proto as e:
    check(b"deleted" in e.args[0], "retr deleted %r" % e.args)
p.quit()

p = poplib.POP3("127.0.0.1", port, timeout=30)
p.stls(context=ctx)
p.user("alice")
p.pass_("secret")
check(p.stat()[0] == 2, "after dele %r" % (p.stat(),))
resp, uids, _ = p.uidl()
check([u.split()[1] for u in uids] == first_uids[1:], "uidl %r then %r" % (first_uids, uids))
p.quit()
print("OK", flush=True)
`

func TestPythonPoplib(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed (.ci/run installs it)")
	}
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, "From: c@example.org\r\nSubject: two\r\n\r\n.starts with a dot\r\n", msg2)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(py, "-c", poplibScript)
	cmd.Env = append(os.Environ(), "POP3_PORT="+port)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "OK\n") {
		t.Fatalf("poplib: %v\n%s", err, out)
	}
}

// fetchmail runs fetchmail once with an rc file for alice on addr and
// the given server and user options, delivering each message to an MDA that appends
// it to spool followed by "==END==". It returns fetchmail's output and
// exit status (1: no mail).
type fetchmail struct {
	t         *testing.T
	bin, dir  string
	rc, spool string
}

func newFetchmail(t *testing.T, addr, serverOptions, userOptions string) *fetchmail {
	t.Helper()
	bin, err := exec.LookPath("fetchmail")
	if err != nil {
		t.Skip("fetchmail is not installed (Debian package fetchmail; .ci/run installs it)")
	}
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	f := &fetchmail{t: t, bin: bin, dir: dir, rc: filepath.Join(dir, "fetchmailrc"), spool: filepath.Join(dir, "spool")}
	conf := fmt.Sprintf("set no syslog\npoll %s protocol POP3 service %s auth password %s:\n"+
		"  user alice password secret is %s here\n  sslproto '' no idle %s\n  mda \"cat >> %s; echo ==END== >> %s\"\n",
		host, port, serverOptions, localUser(t), userOptions, f.spool, f.spool)
	// fetchmail insists on a private rc file.
	if err := os.WriteFile(f.rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fetchmail) run() (string, int) {
	f.t.Helper()
	cmd := exec.Command(f.bin, "-f", f.rc, "--nodetach", "--nosyslog", "-v", "--pidfile", filepath.Join(f.dir, "pid"))
	cmd.Env = append(os.Environ(), "HOME="+f.dir, "FETCHMAILHOME="+f.dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		f.t.Fatalf("fetchmail: %v\n%s", err, out)
	}
	return string(out), 0
}

// delivered is what the MDA got, one entry per message.
func (f *fetchmail) delivered() []string {
	b, err := os.ReadFile(f.spool)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "==END==\n"), "==END==\n")
}

// fetchmail fetches every message into an MDA, deletes them from the
// server, and a second run finds none.
func TestFetchmail(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, msg2)
	f := newFetchmail(t, addr, "", "")
	out, code := f.run()
	if code != 0 {
		t.Fatalf("fetchmail exited %d:\n%s", code, out)
	}
	parts := f.delivered()
	if len(parts) != 2 || !strings.Contains(parts[0], "Subject: one") || !strings.Contains(parts[0], "\n.dotted line") ||
		!strings.Contains(parts[1], "Subject: two") {
		t.Fatalf("the MDA got %q\nfetchmail said:\n%s", parts, out)
	}
	inbox, _ := st.GetMailbox("user.alice")
	if s, _ := st.Status(inbox); s.Exists != 0 {
		t.Errorf("fetchmail left %d messages on the server\n%s", s.Exists, out)
	}
	if out, code := f.run(); code != 1 {
		t.Errorf("second run exited %d, want 1 (no mail):\n%s", code, out)
	}
}

// fetchmail with "keep" and "uidl" leaves mail on the server and tells
// seen messages by their UIDL: a second run fetches nothing, a third
// only what arrived in between.
func TestFetchmailKeepsByUIDL(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	f := newFetchmail(t, addr, "uidl", "keep")
	if out, code := f.run(); code != 0 || len(f.delivered()) != 1 {
		t.Fatalf("first run exited %d with %d delivered:\n%s", code, len(f.delivered()), out)
	}
	if out, code := f.run(); code != 1 || len(f.delivered()) != 1 {
		t.Fatalf("second run exited %d with %d delivered, want 1 (no new mail) and 1:\n%s", code, len(f.delivered()), out)
	}
	put(t, st, "alice", msg2)
	if out, code := f.run(); code != 0 || len(f.delivered()) != 2 || !strings.Contains(f.delivered()[1], "Subject: two") {
		t.Fatalf("third run exited %d with %q:\n%s", code, f.delivered(), out)
	}
	inbox, _ := st.GetMailbox("user.alice")
	if s, _ := st.Status(inbox); s.Exists != 2 {
		t.Errorf("keep: %d messages on the server, want 2", s.Exists)
	}
}

// localUser is who fetchmail delivers to ("is NAME here").
func localUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Skipf("no current user for fetchmail's local name: %v", err)
	}
	return u.Username
}
