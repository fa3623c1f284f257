package imap

import (
	"strings"
	"testing"
	"time"

	"chapar/store"

	"github.com/emersion/go-imap/v2"
)

func TestAppendThroughClient(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t, "alice")
	msg := testMessage("appended", "hi")
	date := time.Date(2020, 5, 17, 8, 30, 0, 0, time.FixedZone("", 2*3600))
	cmd := c.Append("INBOX", int64(len(msg)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen, "$Sent"}, Time: date})
	cmd.Write([]byte(msg))
	cmd.Close()
	data, err := cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := env.store.GetMailbox(store.UserInbox("alice"))
	if data.UID != 1 || data.UIDValidity != mb.UIDValidity {
		t.Errorf("APPENDUID %+v", data)
	}
	m, err := env.store.GetMessage(mb, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !m.InternalDate.Equal(date) || len(m.Flags) != 2 || m.MessageID != "<appended@example.org>" {
		t.Errorf("stored %+v", m)
	}
	cmd = c.Append("Missing", int64(len(msg)), nil)
	cmd.Write([]byte(msg))
	cmd.Close()
	if _, err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "TRYCREATE") {
		t.Errorf("append to a missing mailbox: %v", err)
	}
}

func TestAppendLiterals(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.MaxMessageSize = 1000 })
	c := env.rawLogin(t, "alice")
	has(t, c.ok("a CAPABILITY"), "APPENDLIMIT=1000")
	msg := testMessage("x", "y")
	// Non-synchronizing literal (RFC 7888): no "+".
	out := c.cmd("b APPEND INBOX (\\Flagged) \"17-May-2020 08:30:00 +0200\" {" + itoa(len(msg)) + "+}\r\n" + msg)
	has(t, out, "b OK [APPENDUID ")
	// Synchronizing literal: "+" first.
	c.send("c APPEND INBOX {" + itoa(len(msg)) + "}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("continuation %q", l)
	}
	c.send(msg + "\r\n")
	has(t, c.until("c"), "c OK [APPENDUID ")
	// Too big and synchronizing: refused before the data is sent.
	has(t, c.expectTagged("d APPEND INBOX {5000}", "NO"), "[TOOBIG]")
	// Too big and non-synchronizing: the data is skipped, not run.
	big := strings.Repeat("x", 5000)
	has(t, c.cmd("e APPEND INBOX {5000+}\r\n"+big), "e NO [TOOBIG]")
	c.ok("f NOOP")
	// MULTIAPPEND (RFC 3502), with a literal8 (RFC 3516).
	out = c.cmd("g APPEND INBOX {" + itoa(len(msg)) + "+}\r\n" + msg + " (\\Seen) ~{" + itoa(len(msg)) + "+}\r\n" + msg + " UTF8 (~{" + itoa(len(msg)) + "+}\r\n" + msg + ")")
	has(t, out, "g OK [APPENDUID ")
	if !strings.Contains(out[len(out)-1], " 3:5]") {
		t.Errorf("MULTIAPPEND uids: %q", out)
	}
	has(t, c.ok("h STATUS INBOX (MESSAGES)"), "MESSAGES 5")
	c.expectTagged("i APPEND INBOX (\\Recent) {1+}\r\nx", "BAD")
	c.expectTagged(`j APPEND INBOX "bad date" {1+}`+"\r\nx", "BAD")
	c.expectTagged("k APPEND INBOX {0+}\r\n", "BAD")
	c.ok("l NOOP")
}

func TestAppendToSelectedAnnouncesExists(t *testing.T) {
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	msg := testMessage("x", "y")
	out := c.cmd("a APPEND INBOX {" + itoa(len(msg)) + "+}\r\n" + msg)
	has(t, out, "* 1 EXISTS", "* 1 RECENT", "a OK [APPENDUID")
	has(t, c.ok("b FETCH 1 FLAGS"), `* 1 FETCH (FLAGS (\Recent))`)
}
