package imap

import (
	"fmt"
	"path/filepath"
	"testing"

	"chapar/store"
)

// BenchmarkSearchBigMailbox measures SEARCH on a header field and on a flag
// over mailboxes of growing size: a header key reads every message's
// header, a flag key only the session's view.
func BenchmarkSearchBigMailbox(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		st, err := store.Open(store.Options{Dir: filepath.Join(b.TempDir(), "store"), NoSync: true, Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		mb, err := st.CreateMailbox("user.bench", store.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		bulkLoad(b, st, mb.Name, n)
		s := sinkSession(b, st)
		s.sel = openView(s, mb, false)
		for _, q := range []string{`SUBJECT "bulk 5000"`, `UNSEEN`} {
			a := parseSearch(&parser{line: []byte(" " + q)})
			b.Run(fmt.Sprintf("msgs=%d/%s", n, q), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					runSearch(s, &command{tag: "a1", name: "SEARCH"}, a, false)
					s.out.flush()
				}
			})
		}
		st.Close()
	}
}
