package imap

import (
	"fmt"
	"testing"

	"chapar/store"
)

// BenchmarkQResyncBigMailbox measures what QRESYNC adds to a
// resynchronisation of a 100,000-message mailbox in which a few messages
// changed and a few were expunged since the client's modseq: SELECT's
// resync (VANISHED (EARLIER) and the FETCHes) and UID FETCH 1:*
// (CHANGEDSINCE m VANISHED). Both should cost what changed, not the
// mailbox: compare msgs=1000 with msgs=100000.
func BenchmarkQResyncBigMailbox(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		st, mb, s := selectedBigMailbox(b, n)
		s.qresync, s.condstore = true, true
		before, err := st.Status(mb)
		if err != nil {
			b.Fatal(err)
		}
		changed := []uint32{uint32(n / 3), uint32(n / 2)}
		if _, err := st.StoreFlags(mb, store.FlagChange{UIDs: changed, Op: store.FlagsAdd, Flags: []string{store.FlagSeen}}); err != nil {
			b.Fatal(err)
		}
		doomed := []uint32{uint32(n / 4), uint32(n/4 + 1), uint32(n - 1)}
		if _, err := st.StoreFlags(mb, store.FlagChange{UIDs: doomed, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Expunge(mb, doomed); err != nil {
			b.Fatal(err)
		}
		s.sel.close()
		s.sel = openView(s, mb, false)
		q := &qresyncParams{uidValidity: mb.UIDValidity, modseq: before.HighestModSeq}
		b.Run(fmt.Sprintf("msgs=%d/select-resync", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.resync(s.sel, q)
				s.out.flush()
			}
		})
		all := numSet{ranges: []numRange{{first: 1, last: 0}}}
		b.Run(fmt.Sprintf("msgs=%d/uid-fetch-vanished", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				runFetch(s, &command{uid: true}, fetchArgs{set: all, items: []fetchItem{{kind: fetchFlags, label: "FLAGS"}},
					changedSince: before.HighestModSeq, vanished: true})
				s.out.flush()
			}
		})
		s.sel.close()
		st.Close()
	}
}
