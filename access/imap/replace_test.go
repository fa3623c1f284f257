package imap

import (
	"testing"

	"chapar/store"
)

// REPLACE (RFC 8508): a draft saved again, then sent; the APPENDUID comes
// first, then the old message's EXPUNGE (VANISHED under QRESYNC), and
// another session sees the same swap.
func TestReplaceTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("a1 ENABLE IMAP4rev2")
	c.ok("a2 CREATE Drafts")
	c.ok("a3 CREATE Sent")
	v1, v2, v3 := testMessage("draft one", "x"), testMessage("draft two", "xy"), testMessage("final", "xyz")
	c.ok(`a4 APPEND Drafts (\Draft) {` + itoa(len(v1)) + "+}\r\n" + v1)
	drafts, err := env.store.GetMailbox("user.alice.Drafts")
	if err != nil {
		t.Fatal(err)
	}
	sent, err := env.store.GetMailbox("user.alice.Sent")
	if err != nil {
		t.Fatal(err)
	}
	c.ok("b1 SELECT Drafts")
	other := env.rawLogin(t, "alice")
	other.ok("o1 ENABLE IMAP4rev2")
	other.ok("o2 SELECT Drafts")

	c.exchange(`b2 REPLACE 1 Drafts (\Draft) {`+itoa(len(v2))+"+}\r\n"+v2,
		"* OK [APPENDUID "+itoa(int(drafts.UIDValidity))+" 2] Replacement Message ID",
		"* 1 EXPUNGE",
		"* 1 EXISTS",
		"b2 OK REPLACE completed")
	c.exchange("b3 FETCH 1 (UID FLAGS RFC822.SIZE)", `* 1 FETCH (UID 2 FLAGS (\Draft) RFC822.SIZE `+itoa(len(v2))+")", "b3 OK FETCH completed")
	other.exchange("o3 NOOP", "* 1 EXPUNGE", "* 1 EXISTS", "o3 OK NOOP completed")

	// UID REPLACE into another mailbox, with a date: the draft is sent.
	c.exchange(`b4 UID REPLACE 2 Sent (\Seen) "17-May-2020 08:30:00 +0000" {`+itoa(len(v3))+"+}\r\n"+v3,
		"* OK [APPENDUID "+itoa(int(sent.UIDValidity))+" 1] Replacement Message ID",
		"* 1 EXPUNGE",
		"b4 OK UID REPLACE completed")
	c.exchange("b5 STATUS Sent (MESSAGES)", "* STATUS Sent (MESSAGES 1)", "b5 OK STATUS completed")
	c.ok("b6 SELECT Sent")
	c.exchange("b7 FETCH 1 (FLAGS INTERNALDATE)", `* 1 FETCH (FLAGS (\Seen) INTERNALDATE "17-May-2020 08:30:00 +0000")`, "b7 OK FETCH completed")

	// Under QRESYNC the old message goes as VANISHED.
	q := env.rawLogin(t, "alice")
	q.ok("q1 ENABLE QRESYNC IMAP4rev2")
	q.ok("q2 SELECT Sent")
	q.exchange("q3 UID REPLACE 1 Sent {"+itoa(len(v1))+"+}\r\n"+v1,
		"* OK [APPENDUID "+itoa(int(sent.UIDValidity))+" 2] Replacement Message ID",
		"* VANISHED 1",
		"* 1 EXISTS",
		"q3 OK UID REPLACE completed")
}

// REPLACE's refusals: nothing appended, nothing expunged.
func TestReplaceRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("m", "x"))
	msg := testMessage("new", "y")
	lit := " {" + itoa(len(msg)) + "+}\r\n" + msg
	c := env.rawLogin(t, "alice")
	c.ok("a1 ENABLE IMAP4rev2")
	c.ok("a2 SELECT INBOX")
	c.expectTagged("b1 REPLACE 2 INBOX"+lit, "BAD")
	c.exchange("b2 UID REPLACE 9 INBOX"+lit, "b2 NO no message with UID 9")
	c.exchange("b3 REPLACE 1 Nowhere"+lit, "b3 NO [TRYCREATE] mailbox Nowhere does not exist")
	c.expectTagged("b4 REPLACE 1 INBOX (\\Seen", "BAD")
	c.expectTagged("b5 REPLACE 1,2 INBOX"+lit, "BAD")
	c.expectTagged("b6 REPLACE 1 INBOX", "BAD")
	c.ok("b7 EXAMINE INBOX")
	c.exchange("b8 REPLACE 1 INBOX"+lit, "b8 NO [READ-ONLY] mailbox is read-only")
	c.expectTagged("b9 UNSELECT", "OK")
	c.expectTagged("b10 REPLACE 1 INBOX"+lit, "BAD")
	inbox, err := env.store.GetMailbox(store.UserInbox("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := env.store.Status(inbox); err != nil || st.Exists != 1 || st.UIDNext != 2 {
		t.Errorf("after refused REPLACEs: %+v %v", st, err)
	}

	// Bob may read and insert into alice's Team but not delete: NOPERM.
	c.ok("c1 CREATE Team")
	c.ok("c2 SETACL Team bob lrsi")
	c.ok("c3 APPEND Team" + lit)
	b := env.rawLogin(t, "bob")
	b.ok("d0 ENABLE IMAP4rev2")
	b.ok("d1 SELECT \"Other Users/alice/Team\"")
	b.exchange("d2 REPLACE 1 \"Other Users/alice/Team\""+lit, "d2 NO [NOPERM] REPLACE: permission denied: ted needed")
	c.ok("c4 SETACL Team bob lrsite")
	b.ok("d3 SELECT \"Other Users/alice/Team\"")
	b.exchange("d4 REPLACE 1 \"Other Users/alice/Team\""+lit, "* OK [APPENDUID ...", "* 1 EXPUNGE", "* 1 EXISTS", "d4 OK REPLACE completed")
}
