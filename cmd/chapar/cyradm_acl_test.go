package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestCyradmACL: Debian's cyradm, unmodified, creates a user and a shared
// folder as an admin (Cyrus's standard namespace: user/dave is dave's
// INBOX), sets, lists and deletes ACL entries (sam, lam, dam), and gets a
// refusal for a bad right.
func TestCyradmACL(t *testing.T) {
	t.Parallel()
	cyradm, err := exec.LookPath("cyradm")
	if err != nil {
		t.Skip("cyradm not installed (Debian package cyrus-admin): the cyradm ACL test needs it")
	}
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	for _, u := range []string{"admin", "alice", "bob"} {
		in.addUser(u)
	}
	host, port, err := net.SplitHostPort(in.imapAddr())
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join([]string{
		"cm user/dave",
		"cm board",
		"lm",
		"sam user/alice bob lrs",
		"sam board group:staff lrswi",
		"lam user/alice",
		"lam board",
		"dam user/alice bob",
		"lam user/alice",
		"sam board bob lrz",
	}, "\n") + "\n"
	cmd := exec.Command(cyradm, "--user", "admin", "--password", "secret", "--port", port, host)
	cmd.Stdin = strings.NewReader(script)
	outb, _ := cmd.CombinedOutput()
	out := string(outb)
	// lam prints a Perl hash: its lines come in any order.
	for _, want := range []string{
		"user/dave (", "board (", "user/alice (",
		"alice lrswipkxtecdan\n", "bob lrs\n", "anyone lrs\n", "group:staff lrswi\n",
		"invalid rights",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cyradm output lacks %q:\n%s", want, out)
		}
	}
	// Two lam of user/alice, one after dam took bob's entry away.
	if strings.Count(out, "alice lrswipkxtecdan\n") != 2 || strings.Count(out, "bob lrs\n") != 1 {
		t.Errorf("dam user/alice bob did not take bob's entry away:\n%s", out)
	}
	if strings.Contains(out, "user/admin/user") {
		t.Errorf("cm user/dave made a folder of the admin's:\n%s", out)
	}
	list := in.mustChapar("", "mboxlist")
	if !strings.Contains(list, "user.dave ") || !strings.Contains(list, "board ") {
		t.Errorf("mboxlist after cyradm's cm:\n%s", list)
	}
}
