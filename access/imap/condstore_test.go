package imap

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

var modseqRE = regexp.MustCompile(`(?:HIGHESTMODSEQ |MODSEQ \(|MODSEQ )(\d+)`)

// modseqOf finds the modseq a response line reports, or fails.
func modseqOf(t *testing.T, lines []string, prefix string) uint64 {
	t.Helper()
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		if m := modseqRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 64)
			return n
		}
	}
	t.Fatalf("no modseq in a line starting %q:\n%s", prefix, strings.Join(lines, "\n"))
	return 0
}

func noLine(t *testing.T, lines []string, prefix string) {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			t.Errorf("unexpected %q in:\n%s", l, strings.Join(lines, "\n"))
		}
	}
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

func TestCondStoreTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	has(t, c.exchange("a0 CAPABILITY", "* CAPABILITY ...", "a0 OK CAPABILITY completed"), " CONDSTORE")
	out := c.ok("a SELECT INBOX")
	h0 := modseqOf(t, out, "* OK [HIGHESTMODSEQ ")

	// Not yet enabled: no MODSEQ in FETCH responses.
	c.exchange(`b STORE 1 +FLAGS (\Seen)`, `* 1 FETCH (FLAGS (\Seen))`, "b OK STORE completed")

	// FETCH MODSEQ enables CONDSTORE, and so HIGHESTMODSEQ is reported.
	out = c.exchange("c FETCH 1:* (MODSEQ)", "* OK [HIGHESTMODSEQ ...", "* 1 FETCH (MODSEQ (...", "* 2 FETCH (MODSEQ (...",
		"* 3 FETCH (MODSEQ (...", "c OK FETCH completed")
	m1 := modseqOf(t, out, "* 1 FETCH (MODSEQ (")
	if m1 <= h0 || modseqOf(t, out, "* 2 FETCH") > h0 {
		t.Errorf("modseqs %d (h0 %d):\n%s", m1, h0, strings.Join(out, "\n"))
	}
	// From now on flags come with UID and MODSEQ.
	c.exchange("d FETCH 1 FLAGS", `* 1 FETCH (FLAGS (\Seen) UID 1 MODSEQ (`+u64(m1)+"))", "d OK FETCH completed")

	// CHANGEDSINCE: only what changed, MODSEQ implied.
	c.exchange("e FETCH 1:* (FLAGS) (CHANGEDSINCE "+u64(h0)+")", `* 1 FETCH (FLAGS (\Seen) MODSEQ (`+u64(m1)+") UID 1)", "e OK FETCH completed")
	c.exchange("f UID FETCH 1:* (FLAGS) (CHANGEDSINCE "+u64(m1)+")", "f OK UID FETCH completed")

	// UNCHANGEDSINCE: message 1 changed after h0, message 2 did not.
	out = c.exchange(`g STORE 1:2 (UNCHANGEDSINCE `+u64(h0)+`) +FLAGS (\Flagged)`, `* 2 FETCH (UID 2 FLAGS (\Flagged) MODSEQ (...`, "g OK [MODIFIED 1] ...")
	noLine(t, out, "* 1 FETCH")
	m2 := modseqOf(t, out, `* 2 FETCH (UID 2 FLAGS (\Flagged) MODSEQ (`)
	if m2 <= m1 {
		t.Errorf("modseq of 2 is %d after %d", m2, m1)
	}
	// UNCHANGEDSINCE 0 fails for every message and changes nothing.
	c.exchange(`h UID STORE 1,3 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\Deleted)`, "h OK [MODIFIED 1,3] ...")
	// .SILENT still reports the new modseq.
	out = c.exchange(`i UID STORE 3 (UNCHANGEDSINCE `+u64(h0)+`) +FLAGS.SILENT (\Answered)`, "* 3 FETCH (UID 3 MODSEQ (...", "i OK UID STORE completed")
	m3 := modseqOf(t, out, "* 3 FETCH (UID 3 MODSEQ (")
	if m3 <= m2 || len(out) != 2 {
		t.Errorf("silent conditional STORE: %q", out)
	}
	out = c.exchange(`i2 STORE 2 -FLAGS.SILENT (\Flagged)`, "* 2 FETCH (UID 2 MODSEQ (...", "i2 OK STORE completed")
	m2b := modseqOf(t, out, "* 2 FETCH (UID 2 MODSEQ (")

	// SEARCH MODSEQ, with the highest modseq found.
	c.exchange("j SEARCH MODSEQ "+u64(h0+1), "* SEARCH 1 2 3 (MODSEQ "+u64(m2b)+")", "j OK SEARCH completed")
	c.exchange(`k SEARCH MODSEQ "/flags/\\answered" all `+u64(m3), "* SEARCH 2 3 (MODSEQ "+u64(m2b)+")", "k OK SEARCH completed")
	c.exchange("l SEARCH MODSEQ "+u64(m2b+1), "* SEARCH", "l OK SEARCH completed")
	c.exchange("m UID SEARCH RETURN (COUNT) MODSEQ 1", `* ESEARCH (TAG "m") UID COUNT 3 MODSEQ `+u64(m2b), "m OK UID SEARCH completed")
	c.exchange("m2 SEARCH RETURN (MIN) MODSEQ 1", `* ESEARCH (TAG "m2") MIN 1 MODSEQ `+u64(m1), "m2 OK SEARCH completed")
	c.exchange("n STATUS INBOX (HIGHESTMODSEQ MESSAGES)", "* STATUS INBOX (HIGHESTMODSEQ "+u64(m2b)+" MESSAGES 3)", "n OK STATUS completed")

	// Another session's change arrives with UID and MODSEQ.
	other := env.rawLogin(t, "alice")
	other.ok("o1 SELECT INBOX")
	other.ok(`o2 STORE 2 +FLAGS.SILENT ($Work)`)
	out = c.exchange("p NOOP", "* FLAGS (...", "* OK [PERMANENTFLAGS (...", `* 2 FETCH (UID 2 FLAGS ($Work) MODSEQ (...`, "p OK NOOP completed")
	m2c := modseqOf(t, out, `* 2 FETCH (UID 2 FLAGS ($Work) MODSEQ (`)
	if m2c <= m2b {
		t.Errorf("modseq %d after %d", m2c, m2b)
	}

	// Syntax.
	c.expectTagged("q1 FETCH 1 FLAGS (CHANGEDSINCE 0)", "BAD")
	c.expectTagged("q2 FETCH 1 FLAGS (VANISHED)", "BAD")
	c.expectTagged("q3 UID FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", "BAD")
	c.expectTagged(`q4 STORE 1 (UNCHANGEDSINCE x) +FLAGS (\Seen)`, "BAD")
	c.expectTagged(`q5 STORE 1 (NOPE 1) +FLAGS (\Seen)`, "BAD")
	c.expectTagged(`q6 SEARCH MODSEQ "/x/y" all 1`, "BAD")
	c.expectTagged(`q7 SEARCH MODSEQ "/flags/\\seen" mine 1`, "BAD")
	c.expectTagged("q8 SELECT INBOX (QRESYNC (1 2))", "BAD")
}

// ENABLE CONDSTORE and SELECT (CONDSTORE) enable it without the extra
// HIGHESTMODSEQ a later enabling command gets.
func TestCondStoreEnable(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("m", "x"))
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.exchange("a ENABLE CONDSTORE", "* ENABLED CONDSTORE", "a OK ENABLE completed")
	c.exchange("b ENABLE CONDSTORE", "* ENABLED", "b OK ENABLE completed")
	out := c.ok("c EXAMINE INBOX")
	h := modseqOf(t, out, "* OK [HIGHESTMODSEQ ")
	c.exchange("d FETCH 1 (FLAGS)", "* 1 FETCH (FLAGS () UID 1 MODSEQ (...", "d OK FETCH completed")

	d := env.rawLogin(t, "alice")
	out = d.ok("e SELECT INBOX (CONDSTORE)")
	if modseqOf(t, out, "* OK [HIGHESTMODSEQ ") != h {
		t.Errorf("HIGHESTMODSEQ differs: %q", out)
	}
	d.exchange("f FETCH 1 (UID FLAGS MODSEQ)", "* 1 FETCH (UID 1 FLAGS () MODSEQ (...", "f OK FETCH completed")
	// Reading a message sets \Seen: that FETCH carries UID and MODSEQ.
	out = d.exchange("g FETCH 1 BODY[TEXT]", "* 1 FETCH (BODY[TEXT] ...", "g OK FETCH completed")
	if m := modseqOf(t, out, "* 1 FETCH (BODY[TEXT] "); m <= h {
		t.Errorf("implicit \\Seen: modseq %d, HIGHESTMODSEQ was %d: %q", m, h, out)
	}
	has(t, out, `FLAGS (\Seen) UID 1 MODSEQ (`)
}

func TestCondStoreThroughClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	c := env.client(t, "alice")
	if !c.Caps().Has(imap.CapCondStore) {
		t.Fatal("CONDSTORE not advertised")
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{CondStore: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.HighestModSeq == 0 {
		t.Fatal("no HIGHESTMODSEQ")
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{UID: true, Flags: true, ModSeq: true, ChangedSince: sel.HighestModSeq}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].UID != 2 || msgs[0].ModSeq <= sel.HighestModSeq {
		t.Fatalf("CHANGEDSINCE: %+v", msgs)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{HighestModSeq: true}).Wait()
	if err != nil || st.HighestModSeq != msgs[0].ModSeq {
		t.Errorf("STATUS HIGHESTMODSEQ %d, %v; want %d", st.HighestModSeq, err, msgs[0].ModSeq)
	}
	res, err := c.UIDSearch(&imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: msgs[0].ModSeq}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if uids := res.AllUIDs(); len(uids) != 1 || uids[0] != 2 || res.ModSeq != msgs[0].ModSeq {
		t.Errorf("SEARCH MODSEQ: %v modseq %d", uids, res.ModSeq)
	}
}
