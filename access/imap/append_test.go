package imap

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"chapar/store"

	"github.com/emersion/go-imap/v2"
)

func TestAppendThroughClient(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxMessageSize = 1000 })
	c := env.rawLogin(t, "alice")
	has(t, c.exchange("a CAPABILITY", "* CAPABILITY ...", "a OK CAPABILITY completed"), "APPENDLIMIT=1000")
	msg := testMessage("x", "y")
	// Non-synchronizing literal (RFC 7888): no "+".
	c.exchange("b APPEND INBOX (\\Flagged) \"17-May-2020 08:30:00 +0200\" {"+itoa(len(msg))+"+}\r\n"+msg, "b OK [APPENDUID ...")
	// Synchronizing literal: "+" first.
	c.send("c APPEND INBOX {" + itoa(len(msg)) + "}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("continuation %q", l)
	}
	c.send(msg + "\r\n")
	c.expect("c OK [APPENDUID ...")
	// Too big and synchronizing: refused before the data is sent.
	c.exchange("d APPEND INBOX {5000}", "d NO [TOOBIG] ...")
	// Too big and non-synchronizing: the data is skipped, not run.
	big := strings.Repeat("x", 5000)
	c.exchange("e APPEND INBOX {5000+}\r\n"+big, "e NO [TOOBIG] ...")
	c.exchange("f NOOP", "f OK NOOP completed")
	// MULTIAPPEND (RFC 3502), with a literal8 (RFC 3516).
	out := c.exchange("g APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg+" (\\Seen) ~{"+itoa(len(msg))+"+}\r\n"+msg+" UTF8 (~{"+itoa(len(msg))+"+}\r\n"+msg+")",
		"g OK [APPENDUID ...")
	if !strings.Contains(out[len(out)-1], " 3:5]") {
		t.Errorf("MULTIAPPEND uids: %q", out)
	}
	c.exchange("h STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 5)", "h OK STATUS completed")
	c.expectTagged("i APPEND INBOX (\\Recent) {1+}\r\nx", "BAD")
	c.expectTagged(`j APPEND INBOX "bad date" {1+}`+"\r\nx", "BAD")
	c.expectTagged("k APPEND INBOX {0+}\r\n", "BAD")
	c.ok("l NOOP")
}

func TestAppendToSelectedAnnouncesExists(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	msg := testMessage("x", "y")
	c.exchange("a APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg, "* 1 EXISTS", "* 1 RECENT", "a OK [APPENDUID ...")
	c.exchange("b FETCH 1 FLAGS", `* 1 FETCH (FLAGS (\Recent))`, "b OK FETCH completed")
}

// A MULTIAPPEND is one store transaction: the messages share a modseq, and
// a session idling on the mailbox hears them arrive together.
func TestMultiAppendIsOneTransaction(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxMessageSize = 1000 })
	idler := env.rawLogin(t, "alice")
	idler.ok("a SELECT INBOX")
	idler.send("b IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	c := env.rawLogin(t, "alice")
	m1, m2, m3 := testMessage("one", "1"), testMessage("two", "2"), testMessage("three", "3")
	lit := func(m string) string { return "{" + itoa(len(m)) + "+}\r\n" + m }
	out := c.cmd(`x APPEND INBOX (\Seen) "17-May-2020 08:30:00 +0200" ` + lit(m1) + " " + lit(m2) + ` (\Flagged $X) ` + lit(m3))
	mb, _ := env.store.GetMailbox(store.UserInbox("alice"))
	has(t, out, "x OK [APPENDUID "+itoa(int(mb.UIDValidity))+" 1:3]")
	// FLAGS first, for the new keyword; then one EXISTS for the three
	// (and RECENT: an IMAP4rev1 session).
	idler.expect(`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $X)`, `* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $X \*)] Flags permitted`, "* 3 EXISTS", "* 3 RECENT")
	idler.send("DONE\r\n")
	idler.expect("b OK IDLE completed")
	var modseqs []uint64
	for uid, want := range map[uint32][]string{1: {`\Seen`}, 2: nil, 3: {`\Flagged`, "$X"}} {
		m, err := env.store.GetMessage(mb, uid)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(m.Flags, " ") != strings.Join(want, " ") {
			t.Errorf("uid %d flags %v, want %v", uid, m.Flags, want)
		}
		if uid == 1 && m.InternalDate.UTC() != time.Date(2020, 5, 17, 6, 30, 0, 0, time.UTC) {
			t.Errorf("uid 1 date %v", m.InternalDate)
		}
		modseqs = append(modseqs, m.ModSeq)
	}
	if modseqs[0] != modseqs[1] || modseqs[1] != modseqs[2] {
		t.Errorf("modseqs %v: not one transaction", modseqs)
	}
	// One message too big: none of the command's messages is stored.
	c.exchange("y APPEND INBOX "+lit(m1)+" "+lit(m2)+" {5000+}\r\n"+strings.Repeat("x", 5000), "y NO [TOOBIG] ...")
	c.exchange("z STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 3)", "z OK STATUS completed")
}

// A MULTIAPPEND over the total bound is refused before its literal.
func TestMultiAppendBound(t *testing.T) {
	t.Parallel()
	cmd := "a APPEND INBOX {10+}\r\n0123456789 {10+}\r\n0123456789 {10+}\r\n0123456789\r\n"
	in := &input{r: bufio.NewReader(strings.NewReader(cmd)), maxLine: defaultMaxLine}
	p := newParser(in)
	p.multiAppendMax = 25
	defer p.done()
	if err := p.next(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		e, ok := recover().(noError)
		if !ok || e.code != "LIMIT" {
			t.Errorf("got %#v, want NO [LIMIT]", e)
		}
	}()
	parseCommand(p)
}
