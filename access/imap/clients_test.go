package imap

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	chaparsasl "chapar/access/sasl"
	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
)

// Real clients: Cyrus's imtest and isync's mbsync. The CI installs the
// packages cyrus-clients and isync; without them these tests skip.

func lookTool(t *testing.T, name string, also ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range also {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("%s not installed (Debian: apt-get install %s)", name, map[string]string{"imtest": "cyrus-clients", "mbsync": "isync"}[name])
	return ""
}

// cyrusSCRAM: Cyrus SASL's SCRAM plugin is there for imtest; where it is
// not, the SCRAM logins are left out, saying why.
func cyrusSCRAM(t *testing.T) bool {
	if why := testkit.CyrusSCRAMMissing(); why != "" {
		t.Logf("SCRAM logins left out: %s", why)
		return false
	}
	return true
}

func port(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

func TestCyrusImtest(t *testing.T) {
	t.Parallel()
	// Debian puts the Cyrus test clients outside PATH.
	imtest := lookTool(t, "imtest", "/usr/lib/cyrus/bin/imtest")
	env := newTestEnv(t)
	script := filepath.Join(t.TempDir(), "script")
	os.WriteFile(script, []byte("t1 SELECT INBOX\r\nt2 LOGOUT\r\n"), 0o644)
	for _, mech := range []string{"login", "plain", "SCRAM-SHA-256", "SCRAM-SHA-1"} {
		if strings.HasPrefix(mech, "SCRAM") && !cyrusSCRAM(t) {
			continue
		}
		out, err := exec.Command(imtest, "-p", port(env.addr), "-a", "alice", "-w", "pw", "-m", mech, "-f", script, "127.0.0.1").CombinedOutput()
		if err != nil {
			t.Fatalf("imtest -m %s: %v\n%s", mech, err, out)
		}
		// Cyrus SASL's own SCRAM client (libsasl2-modules), not a fallback.
		if strings.HasPrefix(mech, "SCRAM") && !bytes.Contains(out, []byte("AUTHENTICATE "+mech)) {
			t.Errorf("imtest -m %s did not use %s:\n%s", mech, mech, out)
		}
		if !bytes.Contains(out, []byte("Authenticated.")) || !bytes.Contains(out, []byte("t1 OK [READ-WRITE]")) {
			t.Errorf("imtest -m %s did not log in:\n%s", mech, out)
		}
	}
	for _, mech := range []string{"login", "SCRAM-SHA-256"} {
		if strings.HasPrefix(mech, "SCRAM") && !cyrusSCRAM(t) {
			continue
		}
		out, _ := exec.Command(imtest, "-p", port(env.addr), "-a", "alice", "-w", "wrong", "-m", mech, "-f", script, "127.0.0.1").CombinedOutput()
		if bytes.Contains(out, []byte("Authenticated.")) || !bytes.Contains(out, []byte("NO [AUTHENTICATIONFAILED]")) {
			t.Errorf("imtest -m %s with a wrong password:\n%s", mech, out)
		}
	}
}

// TestMbsync syncs a mailbox of 1,000 messages to a local Maildir, changes
// flags, deletes and adds messages on both sides, and syncs back.
func TestMbsync(t *testing.T) {
	t.Parallel()
	mbsync := lookTool(t, "mbsync")
	if testing.Short() {
		t.Skip("slow")
	}
	env := newTestEnv(t)
	const n = 1000
	for i := 0; i < n; i++ {
		env.deliver(t, "alice", testMessage(fmt.Sprintf("message %d", i), "body"))
	}
	dir := t.TempDir()
	maildir := filepath.Join(dir, "mail")
	if err := os.MkdirAll(maildir, 0o700); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "mbsyncrc")
	os.WriteFile(rc, []byte(fmt.Sprintf(`IMAPAccount test
Host 127.0.0.1
Port %s
User alice
Pass pw
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account test

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Sync All
Expunge Both
SyncState *
`, port(env.addr), maildir, maildir)), 0o600)
	run := func() {
		t.Helper()
		cmd := exec.Command(mbsync, "-c", rc, "-a")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
	}
	inbox := filepath.Join(maildir, "INBOX")
	files := func() []string {
		var all []string
		for _, sub := range []string{"new", "cur"} {
			ents, _ := os.ReadDir(filepath.Join(inbox, sub))
			for _, e := range ents {
				all = append(all, filepath.Join(sub, e.Name()))
			}
		}
		sort.Strings(all)
		return all
	}

	run()
	if got := len(files()); got != n {
		t.Fatalf("after the first sync the Maildir holds %d messages, want %d", got, n)
	}

	// Local changes: 100 seen and flagged, 10 trashed, 5 new.
	for i, f := range files()[:110] {
		base := filepath.Base(f)
		if k := strings.Index(base, ":2,"); k >= 0 {
			base = base[:k]
		}
		flags := ":2,FS"
		if i >= 100 {
			flags = ":2,ST"
		}
		if err := os.Rename(filepath.Join(inbox, f), filepath.Join(inbox, "cur", base+flags)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		os.WriteFile(filepath.Join(inbox, "new", fmt.Sprintf("local%d.test", i)),
			[]byte(fmt.Sprintf("From: me@example.org\r\nSubject: local %d\r\n\r\nwritten offline\r\n", i)), 0o600)
	}
	// Maildir time stamps have a one-second granularity that mbsync
	// waits out; sleeping spares it the wait and the test a flake.
	time.Sleep(1100 * time.Millisecond)
	run()

	c := env.client(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	count := func(crit *imap.SearchCriteria) int {
		data, err := c.UIDSearch(crit, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		return len(data.AllUIDs())
	}
	if got := count(&imap.SearchCriteria{}); got != n-10+5 {
		t.Errorf("server holds %d messages, want %d", got, n-10+5)
	}
	if got := count(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged, imap.FlagSeen}}); got != 100 {
		t.Errorf("%d flagged and seen, want 100", got)
	}
	if got := count(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "local"}}}); got != 5 {
		t.Errorf("%d local messages on the server, want 5", got)
	}

	// Server changes: answer 20, deliver 3.
	if _, err := c.Store(imap.SeqSetNum(200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219),
		&imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagAnswered}, Silent: true}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage(fmt.Sprintf("late %d", i), "body"))
	}
	run()
	all := files()
	if len(all) != n-10+5+3 {
		t.Errorf("Maildir holds %d, want %d", len(all), n-10+5+3)
	}
	answered := 0
	for _, f := range all {
		if k := strings.Index(f, ":2,"); k >= 0 && strings.Contains(f[k:], "R") {
			answered++
		}
	}
	if answered != 20 {
		t.Errorf("%d answered in the Maildir, want 20", answered)
	}
}

// cyradm (Cyrus::IMAP, Cyrus SASL's SCRAM plugin) logs in with
// SCRAM-SHA-256, the one mechanism sasl_mech_list leaves, and lists the
// user's mailboxes; a wrong password does not.
func TestCyradmSCRAM(t *testing.T) {
	t.Parallel()
	cyradm, err := exec.LookPath("cyradm")
	if err != nil {
		t.Skip("cyradm not installed (Debian: apt-get install cyrus-admin)")
	}
	testkit.NeedCyrusSCRAM(t)
	env := newTestEnv(t, func(c *Config) {
		c.SASL = &chaparsasl.Config{Mechanisms: []string{"SCRAM-SHA-256"}, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
	})
	for _, pw := range []string{"pw", "wrong"} {
		cmd := exec.Command(cyradm, "--user", "alice", "--password", pw, "--auth", "SCRAM-SHA-256", "--port", port(env.addr), "127.0.0.1")
		cmd.Stdin = strings.NewReader("lm\n")
		out, _ := cmd.CombinedOutput()
		listed := bytes.Contains(out, []byte("INBOX"))
		if listed != (pw == "pw") {
			t.Errorf("cyradm --auth SCRAM-SHA-256, password %q:\n%s", pw, out)
		}
	}
}

// imtest after STARTTLS, choosing its mechanism itself as cyradm and
// sieveshell do. By default no -PLUS is offered and Cyrus SASL logs in
// with SCRAM-SHA-256, saying it could bind ("y"). With every mechanism
// listed, under TLS 1.2, it binds with tls-unique (naming the mechanism
// without -PLUS, as Cyrus SASL 2.1.28 does) and chapar checks the binding.
func TestCyrusImtestSCRAMOverTLS(t *testing.T) {
	t.Parallel()
	imtest := lookTool(t, "imtest", "/usr/lib/cyrus/bin/imtest")
	testkit.NeedCyrusSCRAM(t)
	script := filepath.Join(t.TempDir(), "script")
	os.WriteFile(script, []byte("t1 SELECT INBOX\r\nt2 LOGOUT\r\n"), 0o644)
	for _, tc := range []struct {
		name    string
		tune    func(*Config)
		binding string // the gs2 header imtest must send, in base64
	}{
		{"default", func(c *Config) {}, "eSws"}, // "y,,"
		{"every mechanism, TLS 1.2", func(c *Config) {
			c.TLSConfig.MaxVersion = tls.VersionTLS12
			c.SASL = &chaparsasl.Config{Mechanisms: chaparsasl.Mechanisms, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
		}, "cD10bHMtdW5pcXVl"}, // "p=tls-unique"
	} {
		env := newTestEnv(t, func(c *Config) {
			c.TLSConfig = testTLSConfig(t)
			tc.tune(c)
		})
		for _, pw := range []string{"pw", "wrong"} {
			out, _ := exec.Command(imtest, "-t", "", "-p", port(env.addr), "-a", "alice", "-w", pw, "-f", script, "127.0.0.1").CombinedOutput()
			if !bytes.Contains(out, []byte("AUTHENTICATE SCRAM-SHA-256 "+tc.binding)) {
				t.Errorf("%s: imtest did not use SCRAM-SHA-256 with %s:\n%s", tc.name, tc.binding, out)
			}
			if ok := bytes.Contains(out, []byte("t1 OK [READ-WRITE]")); ok != (pw == "pw") {
				t.Errorf("%s, password %s:\n%s", tc.name, pw, out)
			}
		}
	}
}
