package imap

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestCopyMoveExpunge(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 4; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	c := env.client(t, "alice")
	if err := c.Create("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	cd, err := c.Copy(imap.SeqSetNum(1, 2), "Archive").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if cd.UIDValidity == 0 || cd.SourceUIDs.String() != "1:2" || cd.DestUIDs.String() != "1:2" {
		t.Errorf("COPYUID %+v", cd)
	}
	if _, err := c.Copy(imap.SeqSetNum(1), "Nowhere").Wait(); err == nil || !strings.Contains(err.Error(), "TRYCREATE") {
		t.Errorf("copy to a missing mailbox: %v", err)
	}
	md, err := c.Move(imap.UIDSetNum(3), "Archive").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if md.SourceUIDs.String() != "3" || md.DestUIDs.String() != "3" {
		t.Errorf("MOVE COPYUID %+v", md)
	}
	if n := c.Mailbox().NumMessages; n != 3 {
		t.Errorf("after MOVE the client counts %d messages", n)
	}
	if _, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}, Silent: true}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	exp, err := c.Expunge().Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(exp) != 1 || exp[0] != 1 {
		t.Errorf("EXPUNGE %v", exp)
	}
	st, err := c.Status("Archive", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 3 {
		t.Errorf("Archive holds %v (%v)", st, err)
	}
}

func TestExpungeTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 5; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	c.ok(`a STORE 2,4:5 +FLAGS.SILENT (\Deleted)`)
	// UID EXPUNGE only removes the named UIDs (RFC 4315 §2.1).
	c.exchange("b UID EXPUNGE 4", "* 4 EXPUNGE", "b OK UID EXPUNGE completed")
	// Highest first, so every number is right when it is sent.
	c.exchange("c EXPUNGE", "* 4 EXPUNGE", "* 2 EXPUNGE", "c OK EXPUNGE completed")
	c.exchange("d FETCH 1:* UID", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "d OK FETCH completed")
	c.ok(`e STORE 1 +FLAGS.SILENT (\Deleted)`)
	// CLOSE expunges without saying so.
	c.exchange("f CLOSE", "f OK CLOSE completed")
	c.exchange("g STATUS INBOX (MESSAGES)", `* STATUS INBOX (MESSAGES 1)`, "g OK STATUS completed")
	c.expectTagged("h EXPUNGE", "BAD")
	c.ok("i EXAMINE INBOX")
	c.exchange("j EXPUNGE", "j NO [READ-ONLY] ...")
	c.exchange("k MOVE 1 INBOX", "k NO [READ-ONLY] ...")
	c.ok("l UNSELECT")
}
