package imap

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"chapar/store"
)

// OBJECTID (RFC 8474): MAILBOXID on CREATE, STATUS and SELECT, kept by a
// rename; EMAILID shared by every copy of a message; THREADID shared by a
// message and its replies; both searchable.
func TestObjectIDTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	root := "From: a@example.org\r\nMessage-ID: <root@example.org>\r\nSubject: plan\r\n\r\nShall we?\r\n"
	reply := "From: b@example.org\r\nMessage-ID: <r1@example.org>\r\nIn-Reply-To: <root@example.org>\r\nReferences: <root@example.org>\r\nSubject: Re: plan\r\n\r\nYes.\r\n"
	replyToReply := "From: a@example.org\r\nMessage-ID: <r2@example.org>\r\nReferences: <root@example.org> <r1@example.org>\r\n\r\nGood.\r\n"
	other := "From: c@example.org\r\nSubject: other\r\n\r\nUnrelated.\r\n"
	for _, m := range []string{root, reply, replyToReply, other} {
		env.deliver(t, "alice", m)
	}
	c := env.rawLogin(t, "alice")
	out := c.exchange("a CREATE Work", "a OK [MAILBOXID (F...")
	work, err := env.store.GetMailbox("user.alice.Work")
	if err != nil {
		t.Fatal(err)
	}
	wantID := "F" + work.UniqueID
	if out[0] != "a OK [MAILBOXID ("+wantID+")] CREATE completed" {
		t.Errorf("CREATE: %q", out)
	}
	c.exchange("b STATUS Work (MESSAGES MAILBOXID)", "* STATUS Work (MESSAGES 0 MAILBOXID ("+wantID+"))", "b OK STATUS completed")
	c.ok("c RENAME Work Play")
	c.exchange("d STATUS Play (MAILBOXID)", "* STATUS Play (MAILBOXID ("+wantID+"))", "d OK STATUS completed")

	has(t, c.ok("e SELECT INBOX"), "* OK [MAILBOXID (F")
	emailID := func(body string) string {
		sum := sha256.Sum256([]byte(body))
		return "M" + hex.EncodeToString(sum[:])[:24]
	}
	threadOf := func(msgID string) string {
		sum := sha256.Sum256([]byte(msgID))
		return "T" + hex.EncodeToString(sum[:8])
	}
	rootThread := threadOf("<root@example.org>")
	otherThread := "T" + emailID(other)[1:17]
	c.exchange("f FETCH 1:4 (EMAILID THREADID)",
		"* 1 FETCH (EMAILID ("+emailID(root)+") THREADID ("+rootThread+"))",
		"* 2 FETCH (EMAILID ("+emailID(reply)+") THREADID ("+rootThread+"))",
		"* 3 FETCH (EMAILID ("+emailID(replyToReply)+") THREADID ("+rootThread+"))",
		"* 4 FETCH (EMAILID ("+emailID(other)+") THREADID ("+otherThread+"))",
		"f OK FETCH completed")
	// A copy keeps its EMAILID and THREADID in its new mailbox.
	c.ok("g COPY 2 Play")
	c.ok("h SELECT Play")
	c.exchange("i UID FETCH 1 (EMAILID THREADID)", "* 1 FETCH (UID 1 EMAILID ("+emailID(reply)+") THREADID ("+rootThread+"))", "i OK UID FETCH completed")
	c.ok("j SELECT INBOX")
	c.exchange("k SEARCH THREADID "+rootThread, "* SEARCH 1 2 3", "k OK SEARCH completed")
	c.exchange("l UID SEARCH EMAILID "+emailID(other), "* SEARCH 4", "l OK UID SEARCH completed")
	c.exchange("m SEARCH OR EMAILID Mnone THREADID Tnone", "* SEARCH", "m OK SEARCH completed")
	c.expectTagged("n SEARCH EMAILID", "BAD")
	c.expectTagged("o STATUS INBOX (MAILBOXID OBJECTID)", "BAD")
}

// SAVEDATE (RFC 8514): when the message entered the mailbox, whatever
// INTERNALDATE APPEND gave it; and the SAVED* search keys.
func TestSaveDateTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("delivered", "x"))
	c := env.rawLogin(t, "alice")
	msg := testMessage("old", "y")
	c.ok("a APPEND INBOX \"17-May-2001 08:30:00 +0200\" {" + itoa(len(msg)) + "+}\r\n" + msg)
	c.ok("b SELECT INBOX")
	inbox, err := env.store.GetMailbox(store.UserInbox("alice"))
	if err != nil {
		t.Fatal(err)
	}
	var saved, savedDay [2]string
	for i := range saved {
		m, err := env.store.GetMessage(inbox, uint32(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(m.SavedDate) > time.Hour {
			t.Fatalf("uid %d saved %v", i+1, m.SavedDate)
		}
		saved[i] = m.SavedDate.Format(internalDateLayout)
		savedDay[i] = m.SavedDate.Format("2-Jan-2006")
	}
	c.exchange("c FETCH 1:2 (SAVEDATE)", `* 1 FETCH (SAVEDATE "`+saved[0]+`")`, `* 2 FETCH (SAVEDATE "`+saved[1]+`")`, "c OK FETCH completed")
	c.exchange("d FETCH 2 (INTERNALDATE SAVEDATE)", `* 2 FETCH (INTERNALDATE "17-May-2001 06:30:00 +0000" SAVEDATE "`+saved[1]+`")`, "d OK FETCH completed")
	// The appended message is old by INTERNALDATE, new by save date.
	c.exchange("e SEARCH BEFORE 1-Jan-2002", "* SEARCH 2", "e OK SEARCH completed")
	c.exchange("f SEARCH SAVEDBEFORE 1-Jan-2002", "* SEARCH", "f OK SEARCH completed")
	c.exchange("g SEARCH SAVEDSINCE 1-Jan-2002", "* SEARCH 1 2", "g OK SEARCH completed")
	// Both were saved today, unless the test ran across midnight.
	on := "* SEARCH 1 2"
	if savedDay[0] != savedDay[1] {
		on = "* SEARCH 2"
	}
	c.exchange("h SEARCH SAVEDON "+savedDay[1], on, "h OK SEARCH completed")
	c.exchange("i SEARCH SAVEDATESUPPORTED", "* SEARCH 1 2", "i OK SEARCH completed")
	c.exchange("j SEARCH NOT SAVEDATESUPPORTED", "* SEARCH", "j OK SEARCH completed")
	c.expectTagged("k SEARCH SAVEDON yesterday", "BAD")
}

// PREVIEW (RFC 8970): a short plain-text preview, LAZY accepted, UTF-8
// text quoted for an IMAP4rev2 session (RFC 8970 §5: an nstring).
func TestPreviewTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", "Subject: hi\r\n\r\nHello  there,\r\n> quoted\r\nbye\r\n")
	env.deliver(t, "alice", "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Caf\xc3\xa9 &amp; cake</p>\r\n")
	env.deliver(t, "alice", "Subject: empty\r\n\r\n")
	c := env.rawLogin(t, "alice")
	c.ok("a0 ENABLE IMAP4rev2")
	c.ok("a SELECT INBOX")
	c.exchange("b FETCH 1 (PREVIEW)", `* 1 FETCH (PREVIEW "Hello there, bye")`, "b OK FETCH completed")
	c.exchange("c FETCH 1 PREVIEW (LAZY)", `* 1 FETCH (PREVIEW "Hello there, bye")`, "c OK FETCH completed")
	c.exchange("d UID FETCH 1:3 (PREVIEW (LAZY) FLAGS)",
		`* 1 FETCH (UID 1 PREVIEW "Hello there, bye" FLAGS ())`,
		"* 2 FETCH (UID 2 PREVIEW \"Caf\xc3\xa9 & cake\" FLAGS ())",
		`* 3 FETCH (UID 3 PREVIEW "" FLAGS ())`,
		"d OK UID FETCH completed")
	// PREVIEW alone before FETCH's own modifiers.
	c.exchange("e FETCH 1 PREVIEW (CHANGEDSINCE 1)", "* OK [HIGHESTMODSEQ ...", `* 1 FETCH (PREVIEW "Hello there, bye" MODSEQ (...`, "e OK FETCH completed")
	c.expectTagged("f FETCH 1 (PREVIEW (LAZY FAST))", "BAD")
	c.expectTagged("g FETCH 1 (PREVIEW ())", "BAD")
	// A preview does not read as reading: no \Seen.
	c.exchange("h FETCH 1 FLAGS", "* 1 FETCH (FLAGS () UID 1 MODSEQ (...", "h OK FETCH completed")
}
