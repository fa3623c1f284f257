package imap

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// waitFor reads untagged lines until one contains want, skipping the
// others: for updates whose split into lines depends on when the session
// woke (expect is for those that do not).
func (c *rawConn) waitFor(want string) string {
	c.t.Helper()
	for {
		l := c.line()
		if strings.Contains(l, want) {
			return l
		}
	}
}

func TestIdleIsWokenByChanges(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "x"))
	env.seenElsewhere(t, "user.alice")
	idler := env.rawLogin(t, "alice")
	other := env.rawLogin(t, "alice")
	idler.ok("a SELECT INBOX")
	other.ok("b SELECT INBOX")
	idler.send("i1 IDLE\r\n")
	idler.expect("+ ...")
	start := time.Now()
	env.deliver(t, "alice", testMessage("second", "y"))
	// An IMAP4rev1 session: RECENT comes with EXISTS.
	idler.expect("* 2 EXISTS", "* 1 RECENT")
	t.Logf("EXISTS after %v", time.Since(start))
	other.ok(`c STORE 1 +FLAGS (\Answered)`)
	idler.expect(`* 1 FETCH (UID 1 FLAGS (\Answered))`)
	// The flag change and the expunge may come in one wake-up or two,
	// the flags' FETCH or not: wait for the EXPUNGE alone.
	other.ok(`d STORE 1 +FLAGS.SILENT (\Deleted)`)
	other.ok("e EXPUNGE")
	idler.waitFor("* 1 EXPUNGE")
	idler.send("DONE\r\n")
	idler.expect("i1 OK IDLE completed")
	idler.exchange("f FETCH 1 UID", "* 1 FETCH (UID 2)", "f OK FETCH completed")
}

func TestIdleKeepaliveAndBadDone(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.IdleKeepalive = 50 * time.Millisecond })
	c := env.rawLogin(t, "alice")
	c.send("i IDLE\r\n")
	c.expect("+ ...")
	// Every 50ms: how many have come before the next read is not known.
	c.waitFor("* OK Still here")
	c.send("NOTDONE\r\n")
	has(t, c.until("i"), "i BAD") // keepalives may come first
	// IDLE in the authenticated state works too, and DONE is
	// case-insensitive.
	c.send("j IDLE\r\n")
	c.expect("+ ...")
	c.send("done\r\n")
	has(t, c.until("j"), "j OK") // keepalives, as above
}

func TestIdleThroughClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	exists := make(chan uint32, 10)
	c := env.anonClient(t, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	}})
	if err := c.Login("alice", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	env.deliver(t, "alice", testMessage("pushed", "x"))
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS while idling")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}
