package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestCyradmQuotaAndMailboxes drives Debian's cyradm, unmodified, through
// quotas and the mailbox commands an administrator uses: sq, lq, lqr, cm,
// renm, dm, lm.
func TestCyradmQuotaAndMailboxes(t *testing.T) {
	t.Parallel()
	cyradm, err := exec.LookPath("cyradm")
	if err != nil {
		t.Skip("cyradm not installed (Debian package cyrus-admin): the cyradm quota test needs it")
	}
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	for _, u := range []string{"admin", "alice"} {
		in.addUser(u)
	}
	host, port, err := net.SplitHostPort(in.imapAddr())
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join([]string{
		"sq user/alice STORAGE 1024",
		"lq user/alice",
		"cm user/alice/Projects",
		"lqr user/alice/Projects",
		"cm board",
		"renm board news",
		"lm",
		"dm news",
		"lm",
	}, "\n") + "\n"
	cmd := exec.Command(cyradm, "--user", "admin", "--password", "secret", "--port", port, host)
	cmd.Stdin = strings.NewReader(script)
	outb, _ := cmd.CombinedOutput()
	out := string(outb)
	t.Logf("cyradm session:\n%s", out)
	for _, want := range []string{"STORAGE 0/1024", "user/alice/Projects", "news ("} {
		if !strings.Contains(out, want) {
			t.Errorf("cyradm output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "news (") != 1 || strings.Contains(out, "board (") {
		t.Errorf("renm board news then dm news: lm shows\n%s", out)
	}
	if q := in.mustChapar("", "quota"); !strings.Contains(q, "user/alice") || !strings.Contains(q, "1024") {
		t.Errorf("chapar quota after cyradm sq:\n%s", q)
	}
}
