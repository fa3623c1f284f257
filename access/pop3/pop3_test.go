package pop3

import (
	"fmt"
	"slices"
	"testing"

	"chapar/store"
)

const (
	msg1 = "From: a@example.org\r\nSubject: one\r\n\r\nfirst line\r\n.dotted line\r\nthird line\r\n"
	msg2 = "From: b@example.org\r\nSubject: two\r\n\r\nhello\r\n"
)

// A whole session as a client sees it: CAPA, login, STAT, LIST, UIDL,
// RETR with a dot-stuffed line, TOP, DELE, RSET, and QUIT removing what
// DELE marked, with one expunge event.
func TestSessionTranscript(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, msg2)
	inbox, err := st.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	v := inbox.UIDValidity

	c := dial(t, addr)
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN", "STLS",
		"EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expect("APOP alice 0123456789abcdef0123456789abcdef", "-ERR [AUTH] APOP is not offered; use USER/PASS or AUTH over TLS")
	c.expect("STAT", "-ERR STAT is not allowed before login")
	c.expect("PASS secret", "-ERR USER first")
	if got := c.login("alice"); got != "+OK Mailbox locked and ready: 2 messages (119 octets)" {
		t.Fatalf("login: %q", got)
	}
	c.expectMulti("CAPA", "+OK Capability list follows",
		"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION chapar")
	c.expect("STAT", "+OK 2 119")
	c.expectMulti("LIST", "+OK 2 messages (119 octets)", "1 75", "2 44")
	c.expect("LIST 2", "+OK 2 44")
	c.expectMulti("UIDL", "+OK Unique-ID listing follows", fmt.Sprintf("1 %d.1", v), fmt.Sprintf("2 %d.2", v))
	c.expect("UIDL 1", fmt.Sprintf("+OK 1 %d.1", v))
	c.expectMulti("RETR 1", "+OK 75 octets",
		"From: a@example.org", "Subject: one", "", "first line", ".dotted line", "third line")
	c.expectMulti("TOP 1 0", "+OK Top of message 1 follows", "From: a@example.org", "Subject: one", "")
	c.expectMulti("TOP 1 2", "+OK Top of message 1 follows",
		"From: a@example.org", "Subject: one", "", "first line", ".dotted line")
	c.expect("USER bob", "-ERR USER is not allowed after login")
	c.expect("DELE 1", "+OK Message 1 deleted")
	c.expect("DELE 1", "-ERR Message 1 is deleted")
	c.expect("RETR 1", "-ERR Message 1 is deleted")
	c.expect("STAT", "+OK 1 44")
	c.expectMulti("LIST", "+OK 1 message (44 octets)", "2 44")
	c.expect("RSET", "+OK Maildrop has 2 messages (119 octets)")
	c.expect("DELE 2", "+OK Message 2 deleted")
	c.expect("NOOP", "+OK ")
	// Nothing is removed before QUIT (RFC 1939 §6).
	if s, _ := st.Status(inbox); s.Exists != 2 {
		t.Fatalf("DELE removed before QUIT: %d messages", s.Exists)
	}
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (1 message left)")
	c.closed()

	snap, err := st.Snapshot(inbox)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Messages) != 1 || snap.Messages[0].UID != 1 {
		t.Fatalf("after QUIT the maildrop holds %+v, want UID 1 alone", snap.Messages)
	}
	evs, err := st.PendingEvents(100)
	if err != nil {
		t.Fatal(err)
	}
	var expunges [][]uint32
	for _, ev := range evs {
		if ev.Type == store.MessageExpunge {
			expunges = append(expunges, ev.UIDs)
			if ev.Service != "pop3d" {
				t.Errorf("expunge event by %q, want pop3d", ev.Service)
			}
		}
	}
	if len(expunges) != 1 || !slices.Equal(expunges[0], []uint32{2}) {
		t.Errorf("expunge events %v, want one of UID 2", expunges)
	}
}

// A connection that ends without QUIT removes nothing (RFC 1939 §6).
func TestNoUpdateWithoutQuit(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	c := dial(t, addr)
	c.login("alice")
	c.expect("DELE 1", "+OK Message 1 deleted")
	c.conn.Close()
	// The lock is released when the server sees the connection end; the
	// next session finds the message still there.
	c2 := dialRetryingInUse(t, addr, "alice")
	c2.expect("STAT", "+OK 1 75")
}

// dialRetryingInUse logs in, waiting while a session the test just closed
// still holds the maildrop on the server's side.
func dialRetryingInUse(t *testing.T, addr, user string) *client {
	t.Helper()
	for range 500 {
		c := dial(t, addr)
		c.expect("USER "+user, "+OK Send PASS")
		c.send("PASS secret")
		got := c.read()
		if got == "-ERR [IN-USE] Unable to lock maildrop: another POP3 session holds it" {
			c.conn.Close()
			continue
		}
		if len(got) < 3 || got[:3] != "+OK" {
			t.Fatalf("PASS: %q", got)
		}
		return c
	}
	t.Fatal("the maildrop stayed locked after its session ended")
	return nil
}

// The maildrop is what it was at login: mail arriving later waits for the
// next session (RFC 1939 §8).
func TestSnapshotAtLogin(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	c := dial(t, addr)
	c.login("alice")
	put(t, st, "alice", msg2)
	c.expect("STAT", "+OK 1 75")
	c.expect("LIST 2", "-ERR No such message")
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (1 message left)")
	c2 := dialRetryingInUse(t, addr, "alice")
	c2.expect("STAT", "+OK 2 119")
}

// One POP3 session per maildrop, as Cyrus: the second gets [IN-USE];
// other users are not affected; after QUIT the maildrop is free.
func TestMaildropLock(t *testing.T) {
	t.Parallel()
	addr, _, _ := testServer(t, nil)
	a := dial(t, addr)
	a.login("alice")
	b := dial(t, addr)
	b.expect("USER alice", "+OK Send PASS")
	b.expect("PASS secret", "-ERR [IN-USE] Unable to lock maildrop: another POP3 session holds it")
	// Still in AUTHORIZATION: another try, as bob, works.
	b.login("bob")
	a.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")
	dialRetryingInUse(t, addr, "alice")
}

// A message another session (IMAP) expunged after the login is answered
// as gone, and QUIT with it marked still succeeds.
func TestMessageRemovedMeanwhile(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1, msg2)
	c := dial(t, addr)
	c.login("alice")
	inbox, _ := st.GetMailbox("user.alice")
	if _, err := st.RemoveMessages(inbox, []uint32{1}, "imapd"); err != nil {
		t.Fatal(err)
	}
	c.expect("RETR 1", "-ERR Message 1 was removed by another session")
	c.expect("TOP 1 0", "-ERR Message 1 was removed by another session")
	c.expect("DELE 1", "+OK Message 1 deleted")
	c.expect("DELE 2", "+OK Message 2 deleted")
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (0 messages left)")
	if s, _ := st.Status(inbox); s.Exists != 0 {
		t.Errorf("%d messages left", s.Exists)
	}
}

// DELE needs t and e on the maildrop, as Cyrus asks.
func TestDeleNeedsRights(t *testing.T) {
	t.Parallel()
	addr, st, _ := testServer(t, nil)
	put(t, st, "alice", msg1)
	if _, err := st.SetACL("user.alice", "alice", "lrs"); err != nil {
		t.Fatal(err)
	}
	c := dial(t, addr)
	c.login("alice")
	c.expect("DELE 1", "-ERR Permission denied: deleting needs the t and e rights on the maildrop")
	c.expectMulti("RETR 1", "+OK 75 octets",
		"From: a@example.org", "Subject: one", "", "first line", ".dotted line", "third line")
	c.expect("QUIT", "+OK pop.test chapar POP3 server signing off (1 message left)")
	// Without r there is no maildrop to read.
	if _, err := st.SetACL("user.alice", "alice", "l"); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, addr)
	c2.expect("USER alice", "+OK Send PASS")
	c2.expect("PASS secret", "-ERR [SYS/PERM] Permission denied to read the maildrop")
}
