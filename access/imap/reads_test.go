package imap

import (
	"strings"
	"sync/atomic"
	"testing"
)

// readCounts counts the engine's reads of message data and indexes.
type readCounts struct{ header, whole, index atomic.Int64 }

func (c *readCounts) String() string {
	return "header " + itoa(int(c.header.Load())) + ", whole " + itoa(int(c.whole.Load())) + ", index " + itoa(int(c.index.Load()))
}

// countReads makes the server count what its sessions read.
func (e *testEnv) countReads() *readCounts {
	c := &readCounts{}
	f := func(k readKind) {
		switch k {
		case readHeader:
			c.header.Add(1)
		case readWhole:
			c.whole.Add(1)
		case readIndex:
			c.index.Add(1)
		}
	}
	e.srv.readHook.Store(&f)
	return c
}

// Header items and header search keys read the header block alone; the
// rest still reads the whole message.
func TestHeaderItemsReadOnlyTheHeader(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	big := strings.Repeat("a body line that no header item should read\r\n", 20000)
	env.deliver(t, "alice", testMessage("big one", big))
	env.deliver(t, "alice", multipartMessage)
	reads := env.countReads()
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	if reads.index.Load() != 1 {
		t.Errorf("SELECT: %s", reads)
	}

	before := reads.header.Load()
	out := c.ok("a FETCH 1:2 (ENVELOPE BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[HEADER.FIELDS.NOT (To From)] RFC822.HEADER BODY.PEEK[HEADER]<0.6>)")
	if n := reads.whole.Load(); n != 0 {
		t.Errorf("header items read %d whole messages (%s)", n, reads)
	}
	// One header read per message, shared by its items.
	if n := reads.header.Load() - before; n != 2 {
		t.Errorf("header items made %d header reads, want 2", n)
	}
	all := strings.Join(out, "\n")
	if strings.Contains(all, "a body line") || strings.Contains(all, "quarterly") {
		t.Errorf("body text in header items:\n%s", all)
	}
	has(t, out, `"big one"`, "BODY[HEADER.FIELDS (Subject)] {20}\r\nSubject: big one\r\n\r\n",
		"BODY[HEADER]<0> {6}\r\nFrom: ", `"<multi@example.org>"`)
	if strings.Contains(all, "inner@example.org") {
		t.Errorf("the message/rfc822 part's header leaked into the top header:\n%s", all)
	}
	for _, l := range out {
		if strings.HasPrefix(l, "* 1 FETCH") && !strings.Contains(l, "RFC822.HEADER {") {
			t.Errorf("no RFC822.HEADER: %q", l)
		}
	}

	// Non-peek BODY[HEADER] sets \Seen from the index alone.
	has(t, c.exchange("b FETCH 2 BODY[HEADER.FIELDS (Date)]", "* 2 FETCH (...", "b OK FETCH completed"), `FLAGS (\Seen)`)
	for _, key := range []string{"FROM sender", "TO alice", "CC carol", "BCC nobody", "SUBJECT big",
		"HEADER Message-ID multi", "SENTBEFORE 1-Jan-2030", "SENTON 3-Jan-2006", "SENTSINCE 1-Jan-2000",
		"OR SUBJECT nothing FROM jörg"} {
		c.ok("c SEARCH " + key)
	}
	c.exchange("d SEARCH SUBJECT big", "* SEARCH 1", "d OK SEARCH completed")
	if n := reads.whole.Load(); n != 0 {
		t.Errorf("header searches read %d whole messages (%s)", n, reads)
	}

	// Body items and body searches read the whole message.
	for _, cmd := range []string{"e FETCH 1 BODYSTRUCTURE", "f FETCH 1 BODY.PEEK[TEXT]<0.10>",
		"g FETCH 2 BODY.PEEK[1]", "h FETCH 1 BODY.PEEK[]", "i FETCH 2 BINARY.PEEK[2]", "j FETCH 2 BODY",
		"k SEARCH BODY zebra", "l SEARCH TEXT zebra", "m FETCH 2 BODY.PEEK[3.HEADER]"} {
		n := reads.whole.Load()
		c.ok(cmd)
		if reads.whole.Load() == n {
			t.Errorf("%s read no whole message", cmd)
		}
	}
	// A header key and a body key: the header key is tested first, and
	// a message it rules out is never read whole.
	n := reads.whole.Load()
	c.exchange("n SEARCH BODY zebra SUBJECT report", "* SEARCH 2", "n OK SEARCH completed")
	if got := reads.whole.Load() - n; got != 1 {
		t.Errorf("SEARCH BODY x SUBJECT y read %d whole messages, want 1", got)
	}
}
