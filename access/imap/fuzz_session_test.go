package imap

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// panicCounter counts the log records of recovered handler panics.
type panicCounter struct {
	slog.Handler
	n *atomic.Int64
}

func (h panicCounter) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panicked") {
		h.n.Add(1)
	}
	return nil
}

func (h panicCounter) Enabled(context.Context, slog.Level) bool { return true }

// FuzzSession drives a logged-in session of the real server with fuzzed
// input: whatever comes in, no handler may panic.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"a FETCH 1:* (FLAGS BODY.PEEK[1.2.MIME] BINARY[2]<0.1> BODYSTRUCTURE ENVELOPE)",
		"a UID SEARCH RETURN (SAVE MIN) OR BODY x HEADER Subject y\r\nb UID MOVE $ Trash\r\nc CREATE Trash",
		"a STORE 1:* +FLAGS (\\Deleted $a)\r\nb EXPUNGE\r\nc APPEND INBOX {10+}\r\n0123456789",
		"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" * RETURN (STATUS (MESSAGES))\r\nb LSUB \"\" %",
		"a RENAME Trash Old/Trash\r\nb DELETE Old\r\nc STATUS Old/Trash (SIZE)",
		"a IDLE\r\nDONE\r\nb UNSELECT\r\nc EXAMINE INBOX\r\nd CLOSE",
		"a ENABLE IMAP4rev2 UTF8=ACCEPT\r\nb SELECT INBOX\r\nc SEARCH ALL",
		"a COPY 1 INBOX\r\nb FETCH * RFC822",
		"a GETQUOTAROOT INBOX\r\nb GETQUOTA INBOX\r\nc SETQUOTA INBOX (STORAGE 1 MESSAGE 1)",
		"a SETACL INBOX bob lr\r\nb GETACL INBOX\r\nc DELETEACL INBOX bob\r\nd MYRIGHTS INBOX\r\ne LISTRIGHTS INBOX -bob",
		"a SETACL INBOX alice -rswipkxte\r\nb SELECT INBOX\r\nc STORE 1 FLAGS (\\Seen)\r\nd LIST \"\" * RETURN (MYRIGHTS)",
		"a NOTIFY SET STATUS (selected (MessageNew (uid flags) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge MailboxName))\r\nb SELECT INBOX\r\nc CREATE n\r\nd NOTIFY NONE",
		"a NOTIFY SET (subtree INBOX (MailboxMetadataChange ServerMetadataChange))\r\nb SETMETADATA INBOX (/shared/c \"x\" /private/d NIL)\r\nc SETMETADATA \"\" (/private/e \"y\")\r\nd NOTIFY NONE",
		"a STATUS INBOX (RECENT)\r\nb EXAMINE INBOX\r\nc SEARCH RECENT NEW OLD\r\nd SELECT &Jjo\r\ne CREATE Bad&Name",
		"a SELECT INBOX\r\nb UID SEARCH RETURN (UPDATE) UNSEEN 1:*\r\nc SORT RETURN (UPDATE (UID ENVELOPE) MIN) (SUBJECT) UTF-8 BODY x\r\nd STORE 1 +FLAGS (\\Seen \\Deleted)\r\ne EXPUNGE\r\nf CANCELUPDATE \"b\" \"c\"",
		"a SELECT INBOX\r\nb APPEND INBOX {26+}\r\nCc: G: a@b, \"c\" <d@e>;\r\n\r\nc FETCH * (ENVELOPE BODY[1]<99.1>)\r\nd SEARCH CC \"c <d\"",
	} {
		f.Add([]byte(s))
	}
	var panics atomic.Int64
	env := newTestEnv(f, func(c *Config) {
		c.Logger = slog.New(panicCounter{slog.NewTextHandler(io.Discard, nil), &panics})
		c.Authenticate = func(user, pass string) (bool, error) { return pass == "pw", nil }
		c.AutoLogout = 5 * time.Second
	})
	env.deliver(f, "alice", testMessage("one", "x"))
	env.deliver(f, "alice", multipartMessage)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", env.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			io.WriteString(c, "L LOGIN alice pw\r\nS SELECT INBOX\r\n")
			c.Write(data)
			io.WriteString(c, "\r\nZ LOGOUT\r\n")
			c.(*net.TCPConn).CloseWrite()
		}()
		io.Copy(io.Discard, c)
		if n := panics.Load(); n > 0 {
			t.Fatalf("%d handler panics for input %q", n, data)
		}
	})
}
