package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestCyradmMetadata: Debian's cyradm, unmodified, sets a mailbox comment
// and a server message of the day (mboxcfg, setinfo: SETMETADATA) and
// reads them back (info: GETMETADATA with Cyrus's "/shared/*" patterns).
func TestCyradmMetadata(t *testing.T) {
	t.Parallel()
	cyradm, err := exec.LookPath("cyradm")
	if err != nil {
		t.Skip("cyradm not installed (Debian package cyrus-admin): the cyradm METADATA test needs it")
	}
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	in.addUser("admin")
	host, port, err := net.SplitHostPort(in.imapAddr())
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join([]string{
		"cm board",
		"mboxcfg board comment TeamBoard",
		"info board",
		"setinfo motd Maintenance",
		"info",
		"mboxcfg board comment none",
		"info board",
	}, "\n") + "\n"
	cmd := exec.Command(cyradm, "--user", "admin", "--password", "secret", "--port", port, host)
	cmd.Stdin = strings.NewReader(script)
	outb, _ := cmd.CombinedOutput()
	out := string(outb)
	t.Logf("cyradm session:\n%s", out)
	for _, want := range []string{"{board}:\n  shared:\n    comment: TeamBoard\n", "{Server Wide}\n  shared:\n    motd: Maintenance\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("cyradm output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "TeamBoard") != 1 || strings.Contains(out, "rror") {
		t.Errorf("mboxcfg board comment none did not remove the comment, or cyradm complained:\n%s", out)
	}
}
