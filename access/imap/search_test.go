package imap

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func searchEnv(t *testing.T) (*testEnv, *rawConn) {
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("apple pie", "first body"))     // 1
	env.deliver(t, "alice", multipartMessage)                           // 2
	env.deliver(t, "alice", testMessage("banana split", "second BODY")) // 3
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	c.ok(`f STORE 1 +FLAGS (\Seen $Label)`)
	c.ok(`g STORE 3 +FLAGS (\Deleted \Flagged)`)
	return env, c
}

func TestSearchKeys(t *testing.T) {
	t.Parallel()
	_, c := searchEnv(t)
	cases := map[string]string{
		"ALL":                                   "* SEARCH 1 2 3",
		"SEEN":                                  "* SEARCH 1",
		"UNSEEN":                                "* SEARCH 2 3",
		"DELETED":                               "* SEARCH 3",
		"UNDELETED FLAGGED":                     "* SEARCH",
		"KEYWORD $Label":                        "* SEARCH 1",
		"UNKEYWORD $label":                      "* SEARCH 2 3",
		"SUBJECT PIE":                           "* SEARCH 1",
		"SUBJECT grüße":                         "* SEARCH 2",
		"FROM jörg":                             "* SEARCH 2",
		"TO bob@example.com":                    "* SEARCH 2",
		"CC carol":                              "* SEARCH 2",
		"BCC carol":                             "* SEARCH",
		`HEADER In-Reply-To "parent"`:           "* SEARCH 2",
		`HEADER In-Reply-To ""`:                 "* SEARCH 2",
		"BODY body":                             "* SEARCH 1 3",
		"BODY schöne":                           "* SEARCH 2",
		"BODY zebra":                            "* SEARCH 2",
		"TEXT banana":                           "* SEARCH 3",
		"TEXT inner":                            "* SEARCH 2",
		"OR SEEN DELETED":                       "* SEARCH 1 3",
		"NOT SEEN":                              "* SEARCH 2 3",
		"(SEEN) (ALL)":                          "* SEARCH 1",
		"2:*":                                   "* SEARCH 2 3",
		"1,3":                                   "* SEARCH 1 3",
		"UID 2":                                 "* SEARCH 2",
		"LARGER 500":                            "* SEARCH 2",
		"SMALLER 500":                           "* SEARCH 1 3",
		"SENTON 3-Jan-2006":                     "* SEARCH 2",
		`SENTBEFORE "3-Jan-2006"`:               "* SEARCH 1 3",
		"SENTSINCE 03-Jan-2006":                 "* SEARCH 2",
		"SINCE 1-Jan-2000":                      "* SEARCH 1 2 3",
		"BEFORE 1-Jan-2000":                     "* SEARCH",
		"ON " + time.Now().Format("2-Jan-2006"): "* SEARCH 1 2 3",
		"CHARSET UTF-8 SUBJECT apple":           "* SEARCH 1",
		"NEW":                                   "* SEARCH",
		"OLD":                                   "* SEARCH 1 2 3",
		"RECENT":                                "* SEARCH",
		"ANSWERED":                              "* SEARCH",
		"UNANSWERED UNDRAFT DRAFT":              "* SEARCH",
	}
	n := 0
	for crit, want := range cases {
		n++
		tag := "t" + itoa(n)
		c.exchange(tag+" SEARCH "+crit, want, tag+" OK SEARCH completed")
	}
	c.exchange("u UID SEARCH SEEN", "* SEARCH 1", "u OK UID SEARCH completed")
	c.exchange("v SEARCH CHARSET KOI8-R ALL", "v NO [BADCHARSET ...")
	c.expectTagged("w SEARCH BOGUS", "BAD")
	c.expectTagged("x SEARCH SINCE yesterday", "BAD")
	c.exchange("y SEARCH 9", "* SEARCH", "y OK SEARCH completed")
	c.expectTagged("z SEARCH", "BAD")
}

func itoa(n int) string { return string(appendUint(nil, uint32(n))) }

func TestESearchAndSearchRes(t *testing.T) {
	t.Parallel()
	_, c := searchEnv(t)
	c.exchange("a SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN", `* ESEARCH (TAG "a") MIN 2 MAX 3 COUNT 2 ALL 2:3`, "a OK SEARCH completed")
	c.exchange("b UID SEARCH RETURN () ALL", `* ESEARCH (TAG "b") UID ALL 1:3`, "b OK UID SEARCH completed")
	c.exchange("c SEARCH RETURN (COUNT) KEYWORD nothing", `* ESEARCH (TAG "c") COUNT 0`, "c OK SEARCH completed")
	c.exchange("d SEARCH RETURN (SAVE) UNSEEN", "d OK SEARCH completed")
	c.exchange("e FETCH $ (UID)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "e OK FETCH completed")
	c.exchange("f SEARCH $ DELETED", "* SEARCH 3", "f OK SEARCH completed")
	c.ok("g SEARCH RETURN (SAVE MIN) UNSEEN")
	c.exchange("h UID FETCH $ FLAGS", "* 2 FETCH (UID 2 FLAGS ())", "h OK UID FETCH completed")
	// IMAP4rev2 answers every SEARCH with ESEARCH.
	c.ok("i UNSELECT")
	c.ok("j ENABLE IMAP4rev2")
	c.ok("k SELECT INBOX")
	c.exchange("l SEARCH SEEN", `* ESEARCH (TAG "l") ALL 1`, "l OK SEARCH completed")
}

func TestSearchThroughClient(t *testing.T) {
	t.Parallel()
	env, _ := searchEnv(t)
	c := env.client(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "split"}},
		NotFlag: []imap.Flag{imap.FlagSeen},
	}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if uids := data.AllUIDs(); !slices.Equal(uids, []imap.UID{3}) {
		t.Errorf("UID SEARCH: %v", uids)
	}
	data, err = c.Search(&imap.SearchCriteria{Body: []string{"body"}}, &imap.SearchOptions{ReturnCount: true, ReturnMin: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.Count != 2 || data.Min != 1 {
		t.Errorf("ESEARCH through the client: %+v", data)
	}
}
