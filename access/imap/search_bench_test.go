package imap

import (
	"fmt"
	"testing"
)

// BenchmarkSearchBigMailbox measures SEARCH on a header field and on a flag
// over mailboxes of growing size: a header key reads every message's
// header, a flag key only the session's view.
func BenchmarkSearchBigMailbox(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		st, _, s := selectedBigMailbox(b, n)
		for _, q := range []string{`SUBJECT "bulk 5000"`, `UNSEEN`, `FROM "nobody@example"`, `FROM "Sender <nobody"`} {
			a := parseSearch(&parser{line: []byte(" " + q)})
			b.Run(fmt.Sprintf("msgs=%d/%s", n, q), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					runSearch(s, &command{tag: "a1", name: "SEARCH"}, a)
					s.out.flush()
				}
			})
		}
		st.Close()
	}
}
