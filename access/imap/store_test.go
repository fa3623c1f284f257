package imap

import (
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestStoreFlags(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m", "x"))
	}
	env.seenElsewhere(t, "user.alice")
	c := env.client(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Store(imap.SeqSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged, "$Work"}}, nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !slices.Contains(msgs[0].Flags, imap.FlagFlagged) || !slices.Contains(msgs[0].Flags, "$Work") {
		t.Fatalf("STORE +FLAGS answered %+v", msgs)
	}
	if _, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Flags: []imap.Flag{"$Work"}, Silent: true}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(imap.UIDSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{imap.FlagSeen, imap.FlagAnswered}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{Flags: true, UID: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]imap.Flag{{imap.FlagFlagged}, {imap.FlagFlagged, "$Work"}, {imap.FlagSeen, imap.FlagAnswered}}
	for i, m := range got {
		if !sameFlags(m.Flags, want[i]) {
			t.Errorf("message %d flags %v, want %v", i+1, m.Flags, want[i])
		}
	}

	rc := env.rawLogin(t, "alice")
	rc.ok("s SELECT INBOX")
	rc.exchange(`a UID STORE 1 +FLAGS (\Deleted)`, `* 1 FETCH (UID 1 FLAGS (\Flagged \Deleted))`, "a OK UID STORE completed")
	rc.exchange(`b STORE 2 FLAGS.SILENT \Draft`, "b OK STORE completed")
	rc.expectTagged(`c STORE 1 +FLAGS (\Recent)`, "BAD")
	rc.expectTagged(`d STORE 1 +FLAGS (\Bogus)`, "BAD")
	rc.expectTagged(`e STORE 1 FLAGGS (\Seen)`, "BAD")
	rc.ok("x EXAMINE INBOX")
	rc.exchange(`f STORE 1 +FLAGS (\Seen)`, "f NO [READ-ONLY] ...")
}

func sameFlags(a, b []imap.Flag) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		if !slices.Contains(b, f) {
			return false
		}
	}
	return true
}
