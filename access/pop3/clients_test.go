package pop3

import (
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

// fetchmail fetches every message into an MDA (a shell line appending to
// a file), deletes them from the server, and a second run finds none.
func TestFetchmail(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("fetchmail")
	if err != nil {
		t.Skip("fetchmail is not installed (Debian package fetchmail; .ci/run installs it)")
	}
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, msg2)
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	rc := filepath.Join(dir, "fetchmailrc")
	// fetchmail insists on a private rc file.
	conf := fmt.Sprintf("set no syslog\npoll %s protocol POP3 service %s auth password:\n"+
		"  user alice password secret is %s here\n  sslproto '' no idle\n  mda \"cat >> %s; echo ==END== >> %s\"\n",
		host, port, localUser(t), spool, spool)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() (string, int) {
		cmd := exec.Command(bin, "-f", rc, "--nodetach", "--nosyslog", "-v", "--pidfile", filepath.Join(dir, "pid"))
		cmd.Env = append(os.Environ(), "HOME="+dir, "FETCHMAILHOME="+dir)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("fetchmail: %v\n%s", err, out)
		}
		return string(out), code
	}
	out, code := run()
	if code != 0 {
		t.Fatalf("fetchmail exited %d:\n%s", code, out)
	}
	got, err := os.ReadFile(spool)
	if err != nil {
		t.Fatalf("nothing delivered to the MDA: %v\n%s", err, out)
	}
	parts := strings.Split(strings.TrimSuffix(string(got), "==END==\n"), "==END==\n")
	t.Logf("fetchmail:\n%s", out)
	if len(parts) != 2 || !strings.Contains(parts[0], "Subject: one") || !strings.Contains(parts[0], ".dotted line") ||
		!strings.Contains(parts[1], "Subject: two") {
		t.Fatalf("the MDA got %q\nfetchmail said:\n%s", got, out)
	}
	inbox, _ := st.GetMailbox("user.alice")
	if s, _ := st.Status(inbox); s.Exists != 0 {
		t.Errorf("fetchmail left %d messages on the server\n%s", s.Exists, out)
	}
	// Exit code 1: no mail.
	if out, code := run(); code != 1 {
		t.Errorf("second run exited %d, want 1 (no mail):\n%s", code, out)
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
