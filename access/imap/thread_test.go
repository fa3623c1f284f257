package imap

import (
	"strings"
	"testing"
)

// threadMail makes a message for the THREAD tests; refs and inReplyTo
// may be empty, and so may id (no Message-ID field).
func threadMail(id, refs, inReplyTo, subject, date string) sortMail {
	h := []string{"From: a@x.example", "Subject: " + subject, "Date: " + date}
	if id != "" {
		h = append(h, "Message-ID: "+id)
	}
	if refs != "" {
		h = append(h, "References: "+refs)
	}
	if inReplyTo != "" {
		h = append(h, "In-Reply-To: "+inReplyTo)
	}
	return sortMail{internal: "10-Jan-2020 00:00:00 +0000", header: h}
}

// threadMails exercise each step of REFERENCES (RFC 5256 §3).
var threadMails = []sortMail{
	threadMail("<a@x>", "", "", "Meeting", "1 Jan 2020 10:00 +0000"),                     // 1
	threadMail("<b@x>", "<a@x>", "", "Re: Meeting", "1 Jan 2020 11:00 +0000"),            // 2: child of 1
	threadMail("<c@x>", "<a@x> <b@x>", "", "Re: Meeting", "1 Jan 2020 12:00 +0000"),      // 3: child of 2
	threadMail("<d@x>", "", `"a's note" <a@x>`, "Re: Meeting", "1 Jan 2020 13:00 +0000"), // 4: In-Reply-To 1
	threadMail("<e@x>", "<missing@x>", "", "Lunch", "1 Jan 2020 09:00 +0000"),            // 5: under a dummy
	threadMail("<f@x>", "<missing@x>", "", "Re: Lunch", "1 Jan 2020 14:00 +0000"),        // 6: the dummy's second child
	threadMail("<g@x>", "", "", "Re: Party", "2 Jan 2020 01:00 +0000"),                   // 7: a reply, joins 8 by subject
	threadMail("<h@x>", "", "", "Party", "3 Jan 2020 00:00 +0000"),                       // 8
	threadMail("", "", "", "Solo", "2 Jan 2020 05:00 +0000"),                             // 9: no Message-ID
	threadMail("<a@x>", "", "", "Other", "4 Jan 2020 00:00 +0000"),                       // 10: 1's Message-ID again
	threadMail("<i@x>", "", "", "Apples", "5 Jan 2020 00:00 +0000"),                      // 11: same subject as 12,
	threadMail("<j@x>", "", "", "[fruit] Apples", "6 Jan 2020 00:00 +0000"),              // 12: neither a reply: a dummy
	threadMail("<k@x>", "<l@x>", "", "Loop", "7 Jan 2020 00:00 +0000"),                   // 13: child of 14,
	threadMail("<l@x>", "<k@x>", "", "Re: Loop", "8 Jan 2020 00:00 +0000"),               // 14: whose link would loop
}

func threadEnv(t *testing.T) *rawConn {
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("gone", "expunged before the test"))
	c := env.rawLogin(t, "alice")
	appendAll(t, c, threadMails)
	c.ok("s SELECT INBOX")
	c.ok(`d STORE 1 +FLAGS.SILENT (\Deleted)`)
	c.ok("e EXPUNGE")
	return c
}

func TestThreadReferences(t *testing.T) {
	t.Parallel()
	c := threadEnv(t)
	// Threads by their first message's date: the Lunch dummy (5, 9:00),
	// Meeting (1), Solo (9), Party (8, with the reply 7 under it), Other
	// (10), the Apples dummy, Loop (14).
	c.exchange("a THREAD REFERENCES UTF-8 ALL",
		"* THREAD ((5)(6))(1 (2 3)(4))(9)(8 7)(10)((11)(12))(14 13)", "a OK THREAD completed")
	c.exchange("b UID THREAD references US-ASCII SUBJECT meeting",
		"* THREAD (2 (3 4)(5))", "b OK UID THREAD completed")
	// Without 2, 3 still descends from 1 through its References.
	c.exchange("c THREAD REFERENCES UTF-8 NOT 2", "* THREAD ((5)(6))(1 (3)(4))(9)(8 7)(10)((11)(12))(14 13)", "c OK THREAD completed")
	c.exchange("d THREAD REFERENCES UTF-8 SUBJECT nothing", "* THREAD", "d OK THREAD completed")
}

func TestThreadOrderedSubject(t *testing.T) {
	t.Parallel()
	c := threadEnv(t)
	// Groups of one base subject, the first by date the parent of the
	// rest; groups by their first message's date.
	c.exchange("a THREAD ORDEREDSUBJECT UTF-8 ALL",
		"* THREAD (5 6)(1 (2)(3)(4))(7 8)(9)(10)(11 12)(13 14)", "a OK THREAD completed")
	c.exchange("b UID THREAD ORDEREDSUBJECT UTF-8 1:4", "* THREAD (2 (3)(4)(5))", "b OK UID THREAD completed")
}

func TestThreadBadInput(t *testing.T) {
	t.Parallel()
	c := threadEnv(t)
	c.exchange("a THREAD JWZ UTF-8 ALL", "a BAD THREAD: unknown threading algorithm JWZ")
	c.exchange("b THREAD REFERENCES KOI8-R ALL", "b NO [BADCHARSET (UTF-8 US-ASCII)] THREAD: charset KOI8-R not supported")
	c.exchange("c THREAD REFERENCES", "c BAD expected space at end of line")
	c.exchange("d THREAD REFERENCES UTF-8", "d BAD expected space at end of line")
	c.exchange("e THREAD (REFERENCES) UTF-8 ALL", `e BAD expected atom at "(REFERENCES) UTF-8 A"`)
	c.exchange("f THREAD REFERENCES UTF-8 "+strings.Repeat("(", 200)+"ALL"+strings.Repeat(")", 200),
		"f BAD search criteria nested too deeply")
}

// The thread-list grammar (RFC 5256 §4): a chain is one run of numbers,
// a fork nests one list per branch, a dummy writes no number.
func TestAppendThreads(t *testing.T) {
	t.Parallel()
	msg := func(pos int, kids ...*threadNode) *threadNode {
		n := &threadNode{pos: pos, k: &msgKeys{}}
		for _, c := range kids {
			n.adopt(c)
		}
		return n
	}
	dummy := func(kids ...*threadNode) *threadNode {
		n := &threadNode{pos: -1}
		for _, c := range kids {
			n.adopt(c)
		}
		return n
	}
	roots := []*threadNode{
		msg(0, msg(1, msg(2))),
		msg(3, msg(4), msg(5, msg(6), msg(7))),
		dummy(msg(8), msg(9, msg(10))),
		msg(11, dummy(msg(12), msg(13))),
	}
	got := string(appendThreads(nil, roots, func(pos int) uint32 { return uint32(pos + 1) }))
	want := "(1 2 3)(4 (5)(6 (7)(8)))((9)(10 11))(12 (13)(14))"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
