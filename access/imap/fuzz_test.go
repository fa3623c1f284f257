package imap

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"chapar/message"
	"chapar/store"
)

// parseOne parses one command as the session would, reporting whether the
// stream can go on. Only the typed protocol errors may escape a parse;
// anything else is a bug the fuzzer is looking for.
func parseOne(p *parser) (ok bool) {
	defer p.done()
	defer func() {
		x := recover()
		switch x.(type) {
		case nil:
			ok = true
		case badError, noError:
			ok = drainOK(p)
		case connError:
			ok = false
		default:
			panic(x)
		}
	}()
	parseCommand(p)
	return true
}

func drainOK(p *parser) (ok bool) {
	defer func() {
		if x := recover(); x != nil {
			if _, conn := x.(connError); !conn {
				panic(x)
			}
			ok = false
		}
	}()
	p.drain()
	return true
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"a LOGIN alice pw\r\n",
		"a LOGIN {5}\r\nalice {2+}\r\npw\r\n",
		"a SELECT \"INBOX\" (CONDSTORE)\r\n",
		"a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:*,3 4:5)))\r\n",
		"a EXAMINE INBOX (CONDSTORE QRESYNC (1 0))\r\n",
		"a UID FETCH 300:* (FLAGS) (CHANGEDSINCE 12 VANISHED)\r\n",
		"a ENABLE QRESYNC CONDSTORE UIDONLY\r\n",
		"a UID FETCH 1:* (SAVEDATE EMAILID THREADID PREVIEW (LAZY)) (CHANGEDSINCE 3)\r\n",
		"a FETCH 1 PREVIEW (LAZY)\r\n",
		"a STATUS INBOX (MAILBOXID MESSAGES)\r\n",
		"a REPLACE * Drafts (\\Draft) \"17-May-2020 08:30:00 +0000\" {3+}\r\nabc\r\n",
		"a UID REPLACE 7 INBOX UTF8 (~{2+}\r\nxy)\r\n",
		"a SEARCH OR SAVEDBEFORE 1-Jan-2020 SAVEDON \"2-Feb-2021\" NOT SAVEDSINCE 3-Mar-2022 SAVEDATESUPPORTED EMAILID M1 THREADID T2\r\n",
		"a FETCH 1:*,3,$ (UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS (Subject \"From\")]<0.100> BINARY[1]<1.2> BINARY.SIZE[2])\r\n",
		"a UID FETCH 4294967295:* FULL\r\n",
		"a STORE 1 +FLAGS.SILENT (\\Seen $x)\r\n",
		"a SEARCH RETURN (MIN SAVE) CHARSET UTF-8 OR (FROM x TO y) NOT HEADER Subject {3+}\r\nabc\r\n",
		"a APPEND INBOX (\\Seen) \" 1-Jan-2020 00:00:00 +0000\" {3+}\r\nabc ~{2+}\r\nxy UTF8 (~{1+}\r\nz)\r\n",
		"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" %) RETURN (STATUS (MESSAGES SIZE) CHILDREN)\r\n",
		"a AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n",
		"a ID (\"name\" NIL)\r\n",
		"a COMPRESS DEFLATE\r\n",
		"a GENURLAUTH \"imap://a@h/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=user+b\" INTERNAL\r\n",
		"a URLFETCH \"imap://a@h/INBOX/;UID=1;URLAUTH=authuser:internal:00\" x\r\n",
		"a RESETKEY INBOX INTERNAL\r\n",
		"a APPEND INBOX (\\Seen) CATENATE (URL \"/INBOX;UIDVALIDITY=1/;UID=2/;SECTION=1.HEADER\" TEXT {3+}\r\nabc URL /x/;UID=1/;PARTIAL=0.5) CATENATE (TEXT ~{1+}\r\nz)\r\n",
		"a GETMETADATA (MAXSIZE 1024 DEPTH infinity) \"\" (/shared/comment /private/*)\r\n",
		"a SETMETADATA INBOX (/private/a NIL /shared/b \"x\" /private/c {3+}\r\nabc /private/d ~{1+}\r\n\x00)\r\n",
		"a CREATE x (USE (\\Sent))\r\n",
		"a UID EXPUNGE 1:5\r\n",
		"a SETQUOTA INBOX (STORAGE 512 MESSAGE 10)\r\nb SETQUOTA \"\" ()\r\nc GETQUOTAROOT {5+}\r\nINBOX\r\n",
		"a SETACL \"Other Users/bob\" group:staff +lrc\r\n",
		"a SETACL INBOX {4+}\r\n-bob {1+}\r\nd\r\n",
		"a DELETEACL INBOX anyone\r\n",
		"a GETACL \"Shared Folders/x\"\r\nb LISTRIGHTS INBOX bob\r\nc MYRIGHTS INBOX\r\n",
		"a LIST \"\" * RETURN (MYRIGHTS)\r\n",
		"a NOTIFY SET STATUS (selected (MessageNew (uid body.peek[header.fields (from)]) MessageExpunge FlagChange)) (subtree (Lists {3+}\r\nfoo) (MessageNew MessageExpunge)) (personal (MailboxName SubscriptionChange))\r\nb NOTIFY NONE\r\n",
		"a NOTIFY SET (mailboxes INBOX NONE) (inboxes (AnnotationChange x))\r\n",
		"a NOTIFY SET (personal (MailboxMetadataChange ServerMetadataChange)) (selected (MailboxMetadataChange))\r\n",
		"a NOOP {99999999999+}\r\n",
		"a UID SORT RETURN (MIN MAX COUNT ALL SAVE PARTIAL -1:-50) (REVERSE DATE SUBJECT DISPLAYFROM) UTF-8 OR FROM x (UNSEEN 1:*)\r\n",
		"a SORT (ARRIVAL CC SIZE TO DISPLAYTO REVERSE FROM) US-ASCII SEARCH RETURN (PARTIAL 1:2)\r\n",
		"a THREAD REFERENCES UTF-8 SUBJECT {3+}\r\nabc\r\nb UID THREAD ORDEREDSUBJECT US-ASCII ALL\r\n",
		"a SEARCH RETURN (PARTIAL 1:100 COUNT) YOUNGER 3600 OLDER 60\r\n",
		"a UID SEARCH RETURN (CONTEXT UPDATE (UID BODY.PEEK[HEADER] FLAGS)) 1:3 $\r\nb SORT RETURN (UPDATE COUNT) (DATE) UTF-8 ALL\r\nc CANCELUPDATE \"a\" b {1+}\r\nc\r\n",
		"* BAD\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{r: bufio.NewReaderSize(bytes.NewReader(data), 64), maxLine: 512}
		p := newParser(in)
		p.litMax, p.litTotal, p.appendMax = 2048, 4096, 4096
		for i := 0; i < 50; i++ {
			err := p.next()
			if err == errLineTooLong {
				if !drainOK(p) {
					return
				}
				continue
			}
			if err != nil {
				return
			}
			if !parseOne(p) {
				return
			}
		}
	})
}

// fuzzSession is a session with a selected mailbox of messages in memory,
// enough to evaluate search keys without a store.
func fuzzSession() (*session, []*searchMsg) {
	s := &session{srv: &Server{}, saved: []uint32{2}}
	s.sel = &mailboxView{mb: &store.Mailbox{Name: "user.fuzz"}, recent: recentSet{ranges: [][2]uint32{{3, 4}}, upTo: 4}}
	bodies := []string{testMessage("one", "alpha"), multipartMessage, "Subject: broken\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"}
	var sms []*searchMsg
	for i, b := range bodies {
		uid := uint32(i + 1)
		s.sel.msgs = append(s.sel.msgs, viewMsg{uid: uid})
		m := &store.Message{UID: uid, Size: int64(len(b)), InternalDate: time.Date(2020, 1, i+1, 0, 0, 0, 0, time.UTC), Flags: []string{`\Seen`}}
		sm := &searchMsg{s: s, seq: uid, m: m, text: map[string]string{}}
		sm.fm = fetchMsg{s: s, m: m, raw: []byte(b)}
		sms = append(sms, sm)
	}
	return s, sms
}

func FuzzSearchCriteria(f *testing.F) {
	for _, s := range []string{
		"ALL",
		"OR SEEN (NOT DELETED) UID 1:*",
		"HEADER Subject one BODY alpha TEXT zebra",
		"SENTBEFORE 1-Jan-2020 SINCE \"02-Jan-2020\" ON 3-Jan-2020",
		"LARGER 10 SMALLER 100000 KEYWORD $x UNKEYWORD y",
		"$ 1,2:* NEW OLD RECENT",
		"NOT NOT NOT (FROM jörg CC carol BCC x TO y SUBJECT z)",
		"SAVEDBEFORE 1-Jan-2020 OR SAVEDON 2-Jan-2020 SAVEDSINCE 3-Jan-2020 SAVEDATESUPPORTED",
		"OR EMAILID Mabc THREADID Tdef",
	} {
		f.Add(s)
	}
	s, sms := fuzzSession()
	f.Fuzz(func(t *testing.T, line string) {
		p := &parser{line: []byte(line), litMax: 1024, litTotal: 1024, in: &input{r: bufio.NewReader(bytes.NewReader(nil)), maxLine: 1024}}
		var key *searchKey
		func() {
			defer func() {
				switch x := recover(); x.(type) {
				case nil, badError, noError, connError:
				default:
					panic(x)
				}
			}()
			key = parseSearchKeys(p)
		}()
		if key == nil {
			return
		}
		key.cheapFirst()
		for _, sm := range sms {
			sm.text = map[string]string{}
			key.match(sm)
		}
		_ = s
	})
}

func FuzzMessage(f *testing.F) {
	f.Add([]byte(multipartMessage))
	f.Add([]byte(testMessage("x", "y")))
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: d\r\n\r\nx\r\n--b--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		root := message.Parse(raw)
		appendBodyStructure(nil, raw, root, true, false)
		appendEnvelope(nil, raw, root, false)
		for _, sec := range []section{{}, {text: "HEADER"}, {text: "TEXT"}, {path: []int{1}}, {path: []int{1, 1}, text: "MIME"},
			{path: []int{2, 1}, text: "HEADER"}, {text: "HEADER.FIELDS", fields: []string{"Subject"}}, {path: []int{3, 2}}} {
			sectionData(raw, root, sec)
			binaryData(raw, root, sec.path)
		}
	})
}
