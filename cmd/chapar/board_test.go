package main

import (
	"strings"
	"testing"

	"chapar/internal/testkit"
)

// TestBulletinBoard is Cyrus's bulletin board: an admin creates a shared
// mailbox that anyone may post to and bob may read; "bb+board" over LMTP
// lands there, bob reads it under Shared Folders/, carol (no rights) does
// not even see it.
func TestBulletinBoard(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "admins: admin", "postuser: bb")
	in.start()
	defer in.stop()
	for _, u := range []string{"admin", "bob", "carol"} {
		in.addUser(u)
	}
	admin := dialIMAP(t, in.imapAddr())
	admin.cmd("a", "LOGIN admin secret", "a OK")
	admin.cmd("b", "CREATE board", "b OK")
	admin.cmd("c", "SETACL board anyone p", "c OK")
	admin.cmd("d", "SETACL board bob lr", "d OK")

	res, err := testkit.LMTPSend(in.lmtpAddr(), "news@example.org", []string{"bb+board@example.com"},
		"Subject: notice\r\n\r\nthe building is closed on Friday\r\n")
	if err != nil || res["bb+board@example.com"] != nil {
		t.Fatalf("bb+board: %v %v", err, res)
	}

	bob := dialIMAP(t, in.imapAddr())
	bob.cmd("a", "LOGIN bob secret", "a OK")
	bob.cmd("b", `EXAMINE "Shared Folders/board"`, "b OK [READ-ONLY]")
	body := strings.Join(bob.lines("c", "FETCH 1 BODY.PEEK[TEXT]"), "\n")
	if !strings.Contains(body, "the building is closed on Friday") || !strings.Contains(body, "c OK") {
		t.Errorf("bob's FETCH of the board:\n%s", body)
	}
	bob.cmd("d", `STORE 1 +FLAGS (\Deleted)`, "d NO")

	carol := dialIMAP(t, in.imapAddr())
	carol.cmd("a", "LOGIN carol secret", "a OK")
	carol.cmd("b", `EXAMINE "Shared Folders/board"`, "b NO [NONEXISTENT]")
}
