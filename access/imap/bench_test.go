package imap

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"chapar/store"
)

func BenchmarkParseCommand(b *testing.B) {
	cmds := []byte("a1 UID FETCH 1:1000,2000:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])\r\n" +
		"a2 UID STORE 5:9 +FLAGS.SILENT (\\Seen $Forwarded)\r\n" +
		"a3 UID SEARCH RETURN (MIN MAX COUNT) UNDELETED OR FROM alice SUBJECT \"status report\" SINCE 1-Jan-2024\r\n" +
		"a4 LIST \"\" (\"INBOX\" \"Lists/*\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n")
	r := bytes.NewReader(cmds)
	in := &input{r: bufio.NewReader(r), maxLine: defaultMaxLine}
	p := newParser(in)
	b.ReportAllocs()
	b.SetBytes(int64(len(cmds)))
	for i := 0; i < b.N; i++ {
		r.Reset(cmds)
		in.r.Reset(r)
		for k := 0; k < 4; k++ {
			if err := p.next(); err != nil {
				b.Fatal(err)
			}
			parseCommand(p)
			p.done()
		}
	}
}

// benchSession is a session writing to a sink, with a mailbox view of one
// message whose body is in memory, for measuring response encoding alone.
func benchSession(b *testing.B) (*session, *store.Message, []fetchItem) {
	c1, c2 := net.Pipe()
	b.Cleanup(func() { c1.Close(); c2.Close() })
	go io.Copy(io.Discard, c2)
	s := &session{srv: &Server{}, log: testLogger()}
	s.out.conn = c1
	s.sel = &mailboxView{mb: &store.Mailbox{Name: "user.bench"}, msgs: []viewMsg{{uid: 1}}}
	m := &store.Message{UID: 1, Size: int64(len(multipartMessage)), InternalDate: time.Now(), Flags: []string{`\Seen`, "$Label"}}
	p := &parser{line: []byte("1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (From Subject)] BODY.PEEK[1])")}
	a := parseFetch(&parser{line: append([]byte(" "), p.line...)})
	return s, m, a.items
}

func BenchmarkFetchEncode(b *testing.B) {
	s, m, items := benchSession(b)
	raw := []byte(multipartMessage)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := &fetchMsg{s: s, m: m, raw: raw}
		s.writeFetchMsg(1, f, items, false)
		s.out.flush()
	}
}
