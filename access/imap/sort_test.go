package imap

import (
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// sortMail is one message of the SORT and THREAD tests: its INTERNALDATE
// and header fields ("" leaves a field out), and a body of bodyLen bytes.
type sortMail struct {
	internal string
	header   []string // "Name: value" lines
	bodyLen  int
}

func (m sortMail) text() string {
	var b strings.Builder
	for _, h := range m.header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + strings.Repeat("x", m.bodyLen) + "\r\n")
	return b.String()
}

// appendAll appends the messages to INBOX in order, each with its
// INTERNALDATE, over c.
func appendAll(t *testing.T, c *rawConn, mails []sortMail) {
	t.Helper()
	for i, m := range mails {
		text := m.text()
		c.ok("ap" + itoa(i) + ` APPEND INBOX "` + m.internal + `" {` + itoa(len(text)) + "+}\r\n" + text)
	}
}

// sortMails are five messages whose every sort key orders them
// differently (expected orders worked out in TestSort).
var sortMails = []sortMail{
	{"05-Jan-2020 00:00:00 +0000", []string{"Date: Fri, 03 Jan 2020 10:00:00 +0000", `From: "Zed" <bob@x.example>`,
		"To: carol@y.example", "Subject: Re: beta"}, 500},
	{"01-Jan-2020 00:00:00 +0000", []string{"Date: Thu, 02 Jan 2020 10:00:00 +0000", "From: alice <zoe@x.example>",
		`To: "Bob Brown" <amy@y.example>`, "Cc: dave@z.example", "Subject: alpha"}, 100},
	{"03-Jan-2020 00:00:00 +0000", []string{"From: mike@x.example", "Cc: Ann <bea@z.example>",
		"Subject: [list] Fwd: Alpha"}, 300},
	{"02-Jan-2020 00:00:00 +0000", []string{"Date: not a date", "From: =?UTF-8?Q?=C3=89mile?= <emile@x.example>",
		"To: zack@y.example", "Subject: gamma (fwd)"}, 0},
	{"04-Jan-2020 00:00:00 +0000", []string{"Date: Wed, 01 Jan 2020 23:00:00 -0500", "From: alice@x.example",
		"To: bob <bob@y.example>", "Subject: BETA"}, 1000},
}

// sortEnv selects an INBOX holding sortMails as sequence numbers 1 to 5
// and UIDs 2 to 6, so that the two cannot be confused.
func sortEnv(t *testing.T) *rawConn {
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("gone", "expunged before the test"))
	c := env.rawLogin(t, "alice")
	appendAll(t, c, sortMails)
	c.ok("s SELECT INBOX")
	c.ok(`d STORE 1 +FLAGS.SILENT (\Deleted)`)
	c.ok("e EXPUNGE")
	return c
}

func TestSort(t *testing.T) {
	t.Parallel()
	c := sortEnv(t)
	cases := []struct{ criteria, want string }{
		// INTERNALDATE: 2 (1 Jan), 4, 3, 5, 1 (5 Jan).
		{"(ARRIVAL) UTF-8 ALL", "* SORT 2 4 3 5 1"},
		// Sent date in UTC, INTERNALDATE where Date is missing (3) or
		// unreadable (4): 4 (2 Jan 00:00), 5 (2 Jan 04:00 UTC, 1 Jan
		// in its own zone), 2 (2 Jan 10:00), 3 (3 Jan 00:00), 1.
		{"(DATE) UTF-8 ALL", "* SORT 4 5 2 3 1"},
		// Base subjects alpha (2, 3), beta (1, 5), gamma (4).
		{"(SUBJECT) UTF-8 ALL", "* SORT 2 3 1 5 4"},
		// addr-mailbox of From: alice, bob, emile, mike, zoe.
		{"(FROM) UTF-8 ALL", "* SORT 5 1 4 3 2"},
		// To: none (3), amy, bob, carol, zack.
		{"(TO) US-ASCII ALL", "* SORT 3 2 5 1 4"},
		// Cc: none (1, 4, 5 in mailbox order), bea, dave.
		{"(CC) UTF-8 ALL", "* SORT 1 4 5 3 2"},
		{"(SIZE) UTF-8 ALL", "* SORT 4 2 3 1 5"},
		{"(REVERSE SIZE) UTF-8 ALL", "* SORT 5 1 3 2 4"},
		// RFC 5957: display name, else addr-spec: "alice", "alice@x...",
		// "mike@x...", "zed", "émile".
		{"(DISPLAYFROM) UTF-8 ALL", "* SORT 2 5 3 1 4"},
		// "", "bob", "bob brown", "carol@y...", "zack@y...".
		{"(DISPLAYTO) UTF-8 ALL", "* SORT 3 5 2 1 4"},
		{"(REVERSE SUBJECT DATE) UTF-8 ALL", "* SORT 4 5 1 2 3"},
		{"(SUBJECT REVERSE ARRIVAL) UTF-8 ALL", "* SORT 3 2 1 5 4"},
		{"(date) utf-8 SUBJECT alpha", "* SORT 2 3"},
		{"(DATE) UTF-8 2:4 FROM x.example", "* SORT 4 2 3"},
		{"(DATE) UTF-8 SUBJECT nothing", "* SORT"},
	}
	for i, tc := range cases {
		tag := "t" + itoa(i)
		c.exchange(tag+" SORT "+tc.criteria, tc.want, tag+" OK SORT completed")
	}
	// MODSEQ among the keys: CONDSTORE comes on, the result carries the
	// highest modseq (RFC 7162 §3.1.5).
	c.exchange("m SORT (DATE) UTF-8 MODSEQ 1", "* OK [HIGHESTMODSEQ ...", "* SORT 4 5 2 3 1 (MODSEQ ...", "m OK SORT completed")
	c.exchange("n SORT RETURN (COUNT) (DATE) UTF-8 MODSEQ 1", `* ESEARCH (TAG "n") COUNT 5 MODSEQ ...`, "n OK SORT completed")
	c.exchange("u UID SORT (SUBJECT) UTF-8 ALL", "* SORT 3 4 2 6 5", "u OK UID SORT completed")
	c.exchange("v UID SORT (ARRIVAL) UTF-8 UID 4:6", "* SORT 5 4 6", "v OK UID SORT completed")
}

// ESORT (RFC 5267 §3) and PARTIAL (RFC 9394) on SORT: MIN and MAX are the
// ends of the sorted list, ALL and PARTIAL keep its order.
func TestSortReturn(t *testing.T) {
	t.Parallel()
	c := sortEnv(t)
	c.exchange("a SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL",
		`* ESEARCH (TAG "a") MIN 4 MAX 1 COUNT 5`, "a OK SORT completed")
	c.exchange("b SORT RETURN () (SUBJECT) UTF-8 ALL",
		`* ESEARCH (TAG "b") ALL 2:3,1,5,4`, "b OK SORT completed")
	c.exchange("c UID SORT RETURN (ALL) (SUBJECT) UTF-8 ALL",
		`* ESEARCH (TAG "c") UID ALL 3:4,2,6,5`, "c OK UID SORT completed")
	c.exchange("d SORT RETURN (PARTIAL 2:3) (SUBJECT) US-ASCII ALL",
		`* ESEARCH (TAG "d") PARTIAL (2:3 3,1)`, "d OK SORT completed")
	c.exchange("e SORT RETURN (PARTIAL -1:-2 COUNT) (SUBJECT) UTF-8 ALL",
		`* ESEARCH (TAG "e") PARTIAL (-1:-2 5,4) COUNT 5`, "e OK SORT completed")
	c.exchange("f SORT RETURN (PARTIAL 10:20) (SUBJECT) UTF-8 ALL",
		`* ESEARCH (TAG "f") PARTIAL (10:20 NIL)`, "f OK SORT completed")
	c.exchange("g SORT RETURN (COUNT MIN) (DATE) UTF-8 SUBJECT nothing",
		`* ESEARCH (TAG "g") COUNT 0`, "g OK SORT completed")
	// SAVE keeps the set for "$" (RFC 5182); with MIN alone, that message.
	c.exchange("h SORT RETURN (SAVE MIN) (DATE) UTF-8 ALL", `* ESEARCH (TAG "h") MIN 4`, "h OK SORT completed")
	c.exchange("i SEARCH $", "* SEARCH 4", "i OK SEARCH completed")
	c.exchange("j SORT RETURN (SAVE) (REVERSE DATE) UTF-8 SUBJECT alpha", "j OK SORT completed")
	c.exchange("k UID SEARCH UID $", "* SEARCH 3 4", "k OK UID SEARCH completed")
}

// PARTIAL on SEARCH (RFC 9394): a page of the ascending result.
func TestSearchPartial(t *testing.T) {
	t.Parallel()
	c := sortEnv(t)
	c.exchange("a SEARCH RETURN (PARTIAL 1:3) ALL", `* ESEARCH (TAG "a") PARTIAL (1:3 1:3)`, "a OK SEARCH completed")
	c.exchange("b UID SEARCH RETURN (PARTIAL -2:-1) ALL", `* ESEARCH (TAG "b") UID PARTIAL (-1:-2 5:6)`, "b OK UID SEARCH completed")
	c.exchange("c SEARCH RETURN (COUNT PARTIAL 3:1) NOT 2", `* ESEARCH (TAG "c") COUNT 4 PARTIAL (1:3 1,3:4)`, "c OK SEARCH completed")
	c.exchange("d SEARCH RETURN (PARTIAL 5:9) 1:4", `* ESEARCH (TAG "d") PARTIAL (5:9 NIL)`, "d OK SEARCH completed")
	c.expectTagged("e SEARCH RETURN (PARTIAL 1:-2) ALL", "BAD")
	c.expectTagged("f SEARCH RETURN (PARTIAL 0:2) ALL", "BAD")
	c.expectTagged("g SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL", "BAD")
	c.expectTagged("h SEARCH RETURN (PARTIAL) ALL", "BAD")
}

// Malformed or oversized SORT arguments get BAD naming the problem.
func TestSortBadInput(t *testing.T) {
	t.Parallel()
	c := sortEnv(t)
	c.exchange("a SORT (FOO) UTF-8 ALL", "a BAD SORT: unknown sort key FOO")
	c.exchange("b SORT () UTF-8 ALL", "b BAD SORT: no sort criteria")
	c.exchange("c SORT DATE UTF-8 ALL", `c BAD SORT: expected sort criteria in parentheses at "DATE UTF-8 ALL"`)
	c.exchange("d SORT (DATE) KOI8-R ALL", "d NO [BADCHARSET (UTF-8 US-ASCII)] SORT: charset KOI8-R not supported")
	c.exchange("e SORT (DATE) UTF-8", "e BAD expected space at end of line")
	c.exchange("f SORT (REVERSE REVERSE DATE) UTF-8 ALL", "f BAD SORT: unknown sort key REVERSE")
	c.exchange("g SORT ("+strings.Repeat("DATE ", 16)+"SIZE) UTF-8 ALL", "g BAD SORT: more than 16 sort criteria")
	c.exchange("h SORT RETURN (BOGUS) (DATE) UTF-8 ALL", "h BAD unknown SORT return option BOGUS")
	c.exchange("i SORT (DATE) UTF-8 BOGUS", "i BAD unknown search key BOGUS")
	c.exchange("j SORT (DATE) UTF-8 ALL extra)", "j BAD unknown search key EXTRA")
}

// go-imap's client reads chapar's SORT answer.
func TestSortGoIMAPClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	appendAll(t, env.rawLogin(t, "alice"), sortMails)
	c := env.client(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Sort(&imapclient.SortOptions{
		SearchCriteria: &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}},
		SortCriteria:   []imapclient.SortCriterion{{Key: imapclient.SortKeyFrom, Reverse: true}},
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint32{2, 3, 4, 1, 5}; !slices.Equal(got, want) {
		t.Errorf("SORT (REVERSE FROM) = %v, want %v", got, want)
	}
}

// The cache forgets the mailbox sorted least recently once over its
// bound, and a mailbox's entries for expunged messages once they
// outnumber its messages.
func TestSortKeyCache(t *testing.T) {
	t.Parallel()
	c := newSortKeyCache(3000)
	keys := func(n int) ([]uint32, []*msgKeys) {
		u, k := make([]uint32, n), make([]*msgKeys, n)
		for i := range u {
			u[i], k[i] = uint32(i+1), &msgKeys{size: int64(i)}
		}
		return u, k
	}
	u, k := keys(1500)
	c.add("a", u, k, 1500)
	c.add("b", u, k, 1500)
	out := make([]*msgKeys, 2)
	if miss := c.lookup("a", []uint32{1, 1501}, out, nil); !slices.Equal(miss, []int{1}) || out[0] != k[0] {
		t.Fatalf("lookup in a: missing %v, found %v", miss, out[0])
	}
	c.add("c", u[:10], k[:10], 10) // a was used after b: b goes
	if miss := c.lookup("b", []uint32{1}, out, nil); len(miss) != 1 {
		t.Errorf("b kept after eviction")
	}
	if miss := c.lookup("a", []uint32{1}, out, nil); len(miss) != 0 {
		t.Errorf("a evicted, though used more recently than b")
	}
	if c.total != 1510 {
		t.Errorf("total %d, want 1510", c.total)
	}
	// a shrank to 100 messages: its 1500 entries are dropped when more come.
	c.add("a", []uint32{5000}, []*msgKeys{{}}, 100)
	if miss := c.lookup("a", []uint32{1, 5000}, out, nil); !slices.Equal(miss, []int{0}) {
		t.Errorf("a after shrinking: missing %v, want [0]", miss)
	}
	var none *sortKeyCache
	if miss := none.lookup("a", []uint32{1, 2}, out, nil); len(miss) != 2 {
		t.Errorf("nil cache found %v", miss)
	}
	none.add("a", u, k, 1)
}
