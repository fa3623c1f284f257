package main

import (
	"strings"
	"testing"
)

// lines sends a tagged command and returns every line up to its completion.
func (im *rawIMAP) lines(tag, command string) []string {
	im.t.Helper()
	im.send(tag + " " + command + "\r\n")
	var out []string
	for {
		line, err := im.r.ReadString('\n')
		if err != nil {
			im.t.Fatalf("%s %s: %v", tag, command, err)
		}
		out = append(out, strings.TrimRight(line, "\r\n"))
		if strings.HasPrefix(line, tag+" ") {
			return out
		}
	}
}

// TestACLGroupsAndAdminNamespace: groups made with chapar group decide
// what a member sees over IMAP, and an admin creating user/dave makes
// dave's INBOX, not a folder of the admin's (Cyrus's standard namespace).
func TestACLGroupsAndAdminNamespace(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	for _, u := range []string{"alice", "bob", "admin"} {
		in.addUser(u)
	}
	in.mustChapar("", "group", "add", "staff", "bob", "carol")
	if out := in.mustChapar("", "group", "list"); out != "staff: bob carol\n" {
		t.Errorf("group list: %q", out)
	}
	if _, err := in.chapar("", "group", "delete", "nosuch"); err == nil {
		t.Error("deleting a missing group succeeded")
	}

	alice := dialIMAP(t, in.imapAddr())
	alice.cmd("a", "LOGIN alice secret", "a OK")
	alice.cmd("b", "CREATE Team", "b OK")
	alice.cmd("c", "SETACL Team group:staff lr", "c OK")
	alice.cmd("d", "SETACL Team group:staff lrz", "d BAD")

	bob := dialIMAP(t, in.imapAddr())
	bob.cmd("a", "LOGIN bob secret", "a OK")
	listed := func(tag string) bool {
		for _, l := range bob.lines(tag, `LIST "" "*"`) {
			if strings.HasSuffix(l, `"Other Users/alice/Team"`) {
				return true
			}
		}
		return false
	}
	if !listed("b") {
		t.Error("bob, in group:staff, does not see alice's Team")
	}
	bob.cmd("c", `EXAMINE "Other Users/alice/Team"`, "c OK [READ-ONLY]")
	in.mustChapar("", "group", "delete", "staff", "bob")
	if listed("d") {
		t.Error("bob, out of group:staff, still sees alice's Team")
	}
	bob.cmd("e", `EXAMINE "Other Users/alice/Team"`, "e NO [NONEXISTENT]")

	admin := dialIMAP(t, in.imapAddr())
	admin.cmd("a", "LOGIN admin secret", "a OK")
	admin.cmd("b", "CREATE user/dave", "b OK")
	admin.cmd("c", "GETACL user/alice/Team", "c OK")
	out := in.mustChapar("", "mboxlist")
	if !strings.Contains(out, "user.dave ") || strings.Contains(out, "user.admin.user") {
		t.Errorf("admin's CREATE user/dave: mboxlist\n%s", out)
	}
}
