package imap

import (
	"fmt"
	"path/filepath"
	"testing"

	"chapar/store"
)

// threadedLoad appends n messages that thread: every third starts a
// topic, the others reply to the message before them with "Re:" and
// References; one in seven has no Date, and dates go back and forth so
// that DATE order is not mailbox order.
func threadedLoad(t testing.TB, st *store.Store, mailbox string, n int) {
	t.Helper()
	const chunk = 2000
	for done := 0; done < n; {
		k := min(chunk, n-done)
		msgs := make([]store.NewMessage, k)
		for i := range msgs {
			id := done + i + 1
			topic := id - (id-1)%3
			subject := fmt.Sprintf("topic %d", topic)
			refs := ""
			if id != topic {
				subject = "Re: " + subject
				refs = fmt.Sprintf("References: <%d@bench> <%d@bench>\r\n", topic, id-1)
			}
			date := ""
			if id%7 != 0 {
				date = fmt.Sprintf("Date: %d Jan 2020 %02d:%02d:00 +0000\r\n", 1+id%28, id%24, id%60)
			}
			body := fmt.Sprintf("From: User %d <u%d@example.org>\r\nTo: list@example.org\r\nSubject: %s\r\n%sMessage-ID: <%d@bench>\r\n%s\r\nbody %d\r\n",
				id%100, id%100, subject, date, id, refs, id)
			msgs[i] = store.NewMessage{Body: []byte(body)}
		}
		if _, err := st.AppendAll(mailbox, msgs); err != nil {
			t.Fatal(err)
		}
		done += k
	}
}

// BenchmarkSortThreadBigMailbox measures SORT by date and by subject and
// THREAD REFERENCES over every message of mailboxes of 10,000, 20,000 and
// 100,000 messages: cold, with the sort keys read from the store's index
// and headers each time, and warm, from the server's sort key cache.
func BenchmarkSortThreadBigMailbox(b *testing.B) {
	for _, n := range []int{10000, 20000, 100000} {
		st, err := store.Open(store.Options{Dir: filepath.Join(b.TempDir(), "store"), NoSync: true, Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		mb, err := st.CreateMailbox("user.bench", store.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		threadedLoad(b, st, mb.Name, n)
		s := sinkSession(b, st)
		s.sel = openView(s, mb, false)
		cmds := []struct {
			name string
			run  func()
		}{
			{"SORT DATE", func() {
				runSort(s, &command{tag: "a", name: "SORT"}, parseSort(&parser{line: []byte(" (DATE) UTF-8 ALL")}))
			}},
			{"SORT SUBJECT", func() {
				runSort(s, &command{tag: "a", name: "SORT"}, parseSort(&parser{line: []byte(" (SUBJECT) UTF-8 ALL")}))
			}},
			{"THREAD REFERENCES", func() {
				runThread(s, &command{tag: "a", name: "THREAD"}, parseThread(&parser{line: []byte(" REFERENCES UTF-8 ALL")}))
			}},
		}
		for _, c := range cmds {
			b.Run(fmt.Sprintf("msgs=%d/%s/cold", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					s.srv.sortKeys = newSortKeyCache(sortCacheMessages)
					c.run()
					s.out.flush()
				}
			})
			b.Run(fmt.Sprintf("msgs=%d/%s/warm", n, c.name), func(b *testing.B) {
				s.srv.sortKeys = newSortKeyCache(sortCacheMessages)
				c.run()
				s.out.flush()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c.run()
					s.out.flush()
				}
			})
		}
		st.Close()
	}
}
