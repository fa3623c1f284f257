package imap

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"chapar/store"
)

// bulkLoad fills a mailbox with n small messages through AppendAll, in
// chunks, which is much faster than one delivery per message.
func bulkLoad(t testing.TB, st *store.Store, mailbox string, n int) {
	t.Helper()
	const chunk = 2000
	for done := 0; done < n; {
		k := min(chunk, n-done)
		msgs := make([]store.NewMessage, k)
		for i := range msgs {
			msgs[i] = store.NewMessage{Body: []byte(testMessage(fmt.Sprintf("bulk %d", done+i+1), "x"))}
		}
		if _, err := st.AppendAll(mailbox, msgs); err != nil {
			t.Fatal(err)
		}
		done += k
	}
}

// A 20,000-message mailbox: the idler hears another session's STORE as one
// FETCH, and nothing else.
func TestRefreshBigMailbox(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("bulk-loads 20,000 messages")
	}
	const n = 20000
	env := newTestEnv(t)
	bulkLoad(t, env.store, store.UserInbox("alice"), n)
	reads := env.countReads()
	env.seenElsewhere(t, "user.alice")
	idler := env.rawLogin(t, "alice")
	other := env.rawLogin(t, "alice")
	has(t, idler.ok("a1 SELECT INBOX"), fmt.Sprintf("* %d EXISTS", n))
	other.ok("b1 SELECT INBOX")
	idler.send("a2 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	other.ok(`b2 STORE 15000 +FLAGS.SILENT (\Flagged)`)
	if l := idler.line(); l != `* 15000 FETCH (UID 15000 FLAGS (\Flagged))` {
		t.Fatalf("idler heard %q", l)
	}
	// A delivery: one EXISTS (and RECENT for this IMAP4rev1 session).
	env.deliver(t, "alice", testMessage("new", "y"))
	if l := idler.line(); l != fmt.Sprintf("* %d EXISTS", n+1) {
		t.Fatalf("idler heard %q", l)
	}
	if l := idler.line(); l != "* 1 RECENT" {
		t.Fatalf("idler heard %q", l)
	}
	// An expunge.
	other.ok(`b3 UID STORE 7 +FLAGS.SILENT (\Deleted)`)
	if l := idler.line(); l != `* 7 FETCH (UID 7 FLAGS (\Deleted))` {
		t.Fatalf("idler heard %q", l)
	}
	other.ok("b4 EXPUNGE")
	if l := idler.line(); l != "* 7 EXPUNGE" {
		t.Fatalf("idler heard %q", l)
	}
	idler.send("DONE\r\n")
	idler.expect("a2 OK IDLE completed")
	idler.exchange("a3 FETCH 14999 (UID FLAGS)", `* 14999 FETCH (UID 15000 FLAGS (\Flagged))`, "a3 OK FETCH completed")
	// The two SELECTs read the whole index; nothing after them did.
	if n := reads.index.Load(); n != 2 {
		t.Errorf("%d whole-index reads, want 2 (the SELECTs)", n)
	}
}

// sinkSession is a session on st whose responses go nowhere, for measuring
// what a session does between its responses.
func sinkSession(b testing.TB, st *store.Store) *session {
	c1, c2 := net.Pipe()
	b.Cleanup(func() { c1.Close(); c2.Close() })
	go io.Copy(io.Discard, c2)
	s := &session{srv: &Server{cfg: Config{Store: st}}, log: testLogger()}
	s.out.conn = c1
	return s
}

// selectedBigMailbox opens a store holding one mailbox of n messages, and
// a session on it, writing to a sink, that has it selected.
func selectedBigMailbox(b *testing.B, n int) (*store.Store, *store.Mailbox, *session) {
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
	return st, mb, s
}

// BenchmarkRefreshBigMailbox measures a selected session catching up with
// one flag change made by someone else, and with nothing changed, in
// mailboxes of growing size: the cost should follow the change, not the
// mailbox.
func BenchmarkRefreshBigMailbox(b *testing.B) {
	for _, n := range []int{1000, 20000, 100000} {
		st, mb, s := selectedBigMailbox(b, n)
		target := []uint32{uint32(n / 2)}
		b.Run(fmt.Sprintf("msgs=%d/change", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				op := store.FlagsAdd
				if i%2 == 1 {
					op = store.FlagsRemove
				}
				if _, err := st.StoreFlags(mb, store.FlagChange{UIDs: target, Op: op, Flags: []string{store.FlagFlagged}}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				s.sel.sync(s, true)
				s.out.flush()
			}
		})
		b.Run(fmt.Sprintf("msgs=%d/nochange", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.sel.sync(s, true)
				s.out.flush()
			}
		})
		st.Close()
	}
}
