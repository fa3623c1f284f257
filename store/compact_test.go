package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"

	bolt "go.etcd.io/bbolt"
)

// markedMessage is a message carrying a marker that can be grepped for in
// the segment files, padded to about size octets.
func markedMessage(marker string, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: a@example.org\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\n", marker, marker)
	for b.Len() < size {
		fmt.Fprintf(&b, "%s line of padding\r\n", marker)
	}
	return []byte(b.String())
}

// segmentsHold reports whether any segment file of a partition holds s.
func segmentsHold(t *testing.T, partitionDir, s string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(partitionDir, "bodies", "seg-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

func TestCompactReclaimsExpungedBodies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := store.Options{Dir: dir, NoSync: true}
	s := testkit.OpenStore(t, opts)
	inbox := create(t, s, "user.alice")
	archive := create(t, s, "user.alice.Archive")
	spool := filepath.Join(dir, "spool")

	bodies := map[uint32][]byte{}
	for i := range 40 {
		body := markedMessage(fmt.Sprintf("MARK%03d", i), 2000)
		d := deliver(t, s, "user.alice", fmt.Sprintf("job%d/0", i), body)
		bodies[d.UID] = body
	}
	// Message 1 is copied to the archive and then expunged from INBOX:
	// its body stays live through the copy.
	if _, err := s.Copy(inbox, []uint32{1}, archive); err != nil {
		t.Fatal(err)
	}
	var doomed []uint32
	for uid := uint32(1); uid <= 40; uid++ {
		if uid%10 != 0 {
			doomed = append(doomed, uid)
		}
	}
	if _, err := s.RemoveMessages(inbox, doomed, "pop3d"); err != nil {
		t.Fatal(err)
	}
	if !segmentsHold(t, spool, "MARK004") {
		t.Fatal("before compaction the expunged body is not on disk: the test proves nothing")
	}
	before, beforeFiles := bodyBytes(t, spool), segmentBytes(t, spool, false)

	var progress []store.CompactProgress
	st, err := s.Compact(context.Background(), store.CompactPolicy{Progress: func(p store.CompactProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if st.Segments != 1 || len(progress) != 1 || st.Bodies != 5 {
		t.Errorf("stats %+v, progress %v: want one segment, five bodies moved", st, progress)
	}
	for i := range 40 {
		marker := fmt.Sprintf("MARK%03d", i)
		uid := uint32(i + 1)
		if want := uid%10 == 0 || uid == 1; segmentsHold(t, spool, marker) != want {
			t.Errorf("after compaction the segments hold %s: %v, want %v", marker, !want, want)
		}
	}
	after := bodyBytes(t, spool)
	var live int64
	for uid, b := range bodies {
		if uid%10 == 0 || uid == 1 {
			live += int64(len(b))
		}
	}
	if after != live || st.BytesMoved != live || st.BytesFreed != beforeFiles {
		t.Errorf("bodies on disk %d -> %d, moved %d, freed %d; want %d left, all of %d freed", before, after, st.BytesMoved, st.BytesFreed, live, beforeFiles)
	}
	checkClean(t, s)
	verify := func(s *store.Store) {
		for uid := uint32(10); uid <= 40; uid += 10 {
			if got := readBody(t, s, inbox, uid); !bytes.Equal(got, bodies[uid]) {
				t.Errorf("INBOX uid %d reads back %d octets, not its own", uid, len(got))
			}
		}
		if got := readBody(t, s, archive, 1); !bytes.Equal(got, bodies[1]) {
			t.Errorf("the archived copy reads back %d octets, not its own", len(got))
		}
	}
	verify(s)

	// A second pass finds nothing to do.
	if st, err := s.Compact(context.Background(), store.CompactPolicy{}); err != nil || st.Segments != 0 {
		t.Errorf("second pass: %+v, %v; want nothing done", st, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := testkit.OpenStore(t, opts)
	verify(s2)
	checkClean(t, s2)
	d := deliver(t, s2, "user.alice", "after/0", message("after", ""))
	if got := readBody(t, s2, inbox, d.UID); !bytes.Equal(got, message("after", "")) {
		t.Errorf("a delivery after the restart reads back %q", got)
	}
}

func TestCompactPolicyLeavesMostlyLiveSegments(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := range 10 {
		deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), markedMessage(fmt.Sprintf("M%d", i), 1000))
	}
	if _, err := s.RemoveMessages(inbox, []uint32{1, 2, 3}, "pop3d"); err != nil {
		t.Fatal(err)
	}
	st, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 50})
	if err != nil || st.Segments != 0 {
		t.Fatalf("30%% dead under a 50%% policy: %+v, %v; want nothing compacted", st, err)
	}
	st, err = s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 25})
	if err != nil || st.Segments != 1 || st.Bodies != 7 {
		t.Fatalf("30%% dead under a 25%% policy: %+v, %v; want the segment compacted", st, err)
	}
	usage, err := s.SegmentUsage()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage {
		if u.Dead() != 0 {
			t.Errorf("segment %d: %d dead octets after compaction", u.Segment, u.Dead())
		}
	}
	checkClean(t, s)
}

// A record read before compaction moved its body still reads it, and a
// placed body handed to the next recipient after the move is followed.
func TestCompactFollowsStaleRecords(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	create(t, s, "user.alice.Work")
	create(t, s, "user.alice.Lost")
	deliver(t, s, "user.alice", "dead/0", message("dead", ""))
	body := message("kept", "")
	a := deliver(t, s, "user.alice", "kept/0", body)
	gone := deliver(t, s, "user.alice", "gone/0", message("gone", ""))
	stale, err := s.GetMessage(inbox, a.UID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMessages(inbox, []uint32{1, gone.UID}, "pop3d"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 10}); err != nil || st.Segments != 1 {
		t.Fatalf("Compact: %+v, %v", st, err)
	}
	if got, err := s.ReadBody(inbox, stale); err != nil || !bytes.Equal(got, body) {
		t.Errorf("a record read before the move reads %q, %v", got, err)
	}
	if h, err := s.HeaderReader(inbox).Header(stale); err != nil || !bytes.HasPrefix(body, h) {
		t.Errorf("its header reads %q, %v", h, err)
	}
	b, err := s.Deliver(store.Delivery{Key: "kept/1", Mailbox: "user.alice.Work", Message: store.NewMessage{Body: body}, Body: a.Body})
	if err != nil {
		t.Fatalf("second recipient of a moved body: %v", err)
	}
	if got := readBody(t, s, b.Mailbox, b.UID); !bytes.Equal(got, body) {
		t.Errorf("second recipient reads %q", got)
	}
	// The body of an expunged message is gone: its placement is not
	// reused, the recipient gets a copy of its own.
	c, err := s.Deliver(store.Delivery{Key: "gone/1", Mailbox: "user.alice.Lost", Message: store.NewMessage{Body: message("gone", "")}, Body: gone.Body})
	if err != nil {
		t.Fatalf("recipient of a reclaimed body: %v", err)
	}
	if got := readBody(t, s, c.Mailbox, c.UID); !bytes.Equal(got, message("gone", "")) {
		t.Errorf("recipient of a reclaimed body reads %q", got)
	}
	checkClean(t, s)
}

// Deliveries, copies and expunges run while compaction passes move
// bodies; afterwards every message reads back as delivered.
func TestCompactUnderLoad(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, Shards: 3})
	for _, u := range []string{"alice", "bob", "carol"} {
		create(t, s, "user."+u)
		create(t, s, "user."+u+".Keep")
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	var compactErr error
	moved := 0
	var compactor sync.WaitGroup
	compactor.Add(1)
	go func() {
		defer compactor.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			st, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 20})
			if err != nil {
				compactErr = err
				return
			}
			moved += st.Bodies
		}
	}()
	var mu sync.Mutex
	want := map[string]map[uint32][]byte{}
	for w, u := range []string{"alice", "bob", "carol"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inbox := mailbox(t, s, "user."+u)
			keep := mailbox(t, s, "user."+u+".Keep")
			for i := range 150 {
				body := markedMessage(fmt.Sprintf("%s-%d", u, i), 500+i*7)
				d, err := s.Deliver(store.Delivery{Key: fmt.Sprintf("%d-%d/0", w, i), Mailbox: inbox.Name, Message: store.NewMessage{Body: body}})
				if err != nil {
					t.Error(err)
					return
				}
				if i%5 == 0 {
					res, err := s.Copy(inbox, []uint32{d.UID}, keep)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if want[keep.Name] == nil {
						want[keep.Name] = map[uint32][]byte{}
					}
					want[keep.Name][res.DstUIDs[0]] = body
					mu.Unlock()
				}
				if i%3 != 0 {
					if _, err := s.RemoveMessages(inbox, []uint32{d.UID}, "pop3d"); err != nil {
						t.Error(err)
						return
					}
				} else {
					mu.Lock()
					if want[inbox.Name] == nil {
						want[inbox.Name] = map[uint32][]byte{}
					}
					want[inbox.Name][d.UID] = body
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	compactor.Wait()
	if compactErr != nil {
		t.Fatalf("Compact: %v", compactErr)
	}
	if moved == 0 {
		t.Fatal("no pass moved a body while the writers ran: the test proves nothing")
	}
	if _, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 1}); err != nil {
		t.Fatal(err)
	}
	for name, msgs := range want {
		mb := mailbox(t, s, name)
		if got := len(uidsOf(t, s, mb)); got != len(msgs) {
			t.Errorf("%s holds %d messages, want %d", name, got, len(msgs))
		}
		for uid, body := range msgs {
			if got := readBody(t, s, mb, uid); !bytes.Equal(got, body) {
				t.Errorf("%s uid %d reads back %d octets, not its own", name, uid, len(got))
			}
		}
	}
	checkClean(t, s)
	usage, err := s.SegmentUsage()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage {
		if u.Dead() != 0 {
			t.Errorf("segment %d: %d dead octets after a final pass", u.Segment, u.Dead())
		}
	}
}

func TestCompactStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := range 5 {
		deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), message(fmt.Sprint(i), ""))
	}
	s.RemoveMessages(inbox, []uint32{1, 2, 3, 4}, "pop3d")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Compact(ctx, store.CompactPolicy{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pass: %v", err)
	}
	if got := readBody(t, s, inbox, 5); !bytes.Equal(got, message("4", "")) {
		t.Errorf("after a cancelled pass uid 5 reads %q", got)
	}
	checkClean(t, s)
}

// A record kept in a bucket compaction does not know by name (as a store
// keeping expunged messages for a while might hold them) keeps its body
// alive, and is moved with it.
func TestCompactKeepsRecordsInOtherBuckets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := store.Options{Dir: dir, NoSync: true}
	s := testkit.OpenStore(t, opts)
	inbox := create(t, s, "user.alice")
	kept := markedMessage("KEPTBODY", 3000)
	deliver(t, s, "user.alice", "k/0", kept)
	for i := range 5 {
		deliver(t, s, "user.alice", fmt.Sprintf("d%d/0", i), markedMessage(fmt.Sprintf("DEAD%d", i), 3000))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Join(dir, "index", fmt.Sprintf("shard-%03d.db", inbox.Shard))
	key := binary.BigEndian.AppendUint32(nil, 1)
	withIndex := func(fn func(b *bolt.Bucket) error) {
		t.Helper()
		db, err := bolt.Open(shard, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			return fn(tx.Bucket([]byte("mailboxes")).Bucket([]byte(inbox.UniqueID)))
		}); err != nil {
			t.Fatal(err)
		}
	}
	withIndex(func(b *bolt.Bucket) error {
		nested, err := b.CreateBucket([]byte("kept"))
		if err != nil {
			return err
		}
		deeper, err := nested.CreateBucket([]byte("records"))
		if err != nil {
			return err
		}
		return deeper.Put(key, bytes.Clone(b.Bucket([]byte("messages")).Get(key)))
	})
	s = testkit.OpenStore(t, opts)
	if _, err := s.RemoveMessages(inbox, []uint32{1, 2, 3, 4, 5, 6}, "pop3d"); err != nil {
		t.Fatal(err)
	}
	st, err := s.Compact(context.Background(), store.CompactPolicy{})
	if err != nil || st.Segments != 1 || st.Bodies != 1 {
		t.Fatalf("Compact: %+v, %v; want the kept body moved", st, err)
	}
	if !segmentsHold(t, filepath.Join(dir, "spool"), "KEPTBODY") || segmentsHold(t, filepath.Join(dir, "spool"), "DEAD3") {
		t.Error("the kept body went, or a dead one stayed")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var rec []byte
	withIndex(func(b *bolt.Bucket) error {
		rec = bytes.Clone(b.Bucket([]byte("kept")).Bucket([]byte("records")).Get(key))
		return nil
	})
	// The record's segment (u32 at 37) and offset (u64 at 41) name the
	// moved copy.
	seg, off := binary.BigEndian.Uint32(rec[37:]), int64(binary.BigEndian.Uint64(rec[41:]))
	data, err := os.ReadFile(filepath.Join(dir, "spool", "bodies", fmt.Sprintf("seg-%08d", seg)))
	if err != nil {
		t.Fatalf("the kept record names segment %d: %v", seg, err)
	}
	if off+int64(len(kept)) > int64(len(data)) || !bytes.Equal(data[off:off+int64(len(kept))], kept) {
		t.Errorf("the kept record names segment %d at %d, which does not hold its body", seg, off)
	}
}

// BenchmarkCompact measures a pass over a segment of 200 bodies of 100 KB
// nine tenths of which were expunged: the bytes it reports are the
// segment's, so MB/s is the rate at which dead space comes back.
func BenchmarkCompact(b *testing.B) {
	s := testkit.OpenStore(b, store.Options{NoSync: true})
	inbox := create(b, s, "user.alice")
	b.ReportAllocs()
	var freed int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		var doomed []uint32
		for j := range 200 {
			d := deliver(b, s, "user.alice", fmt.Sprintf("%d-%d/0", i, j), markedMessage(fmt.Sprintf("B%d-%d", i, j), 100000))
			if j%10 != 0 {
				doomed = append(doomed, d.UID)
			}
		}
		if _, err := s.RemoveMessages(inbox, doomed, "pop3d"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := s.Compact(context.Background(), store.CompactPolicy{})
		if err != nil || st.Segments == 0 {
			b.Fatalf("Compact: %+v, %v", st, err)
		}
		freed += st.BytesFreed
	}
	b.SetBytes(freed / int64(b.N))
}

// Under expunge_mode: delayed the bodies of kept messages survive
// compaction (they move with their segment) and unexpunge brings them
// back whole; once expired, the next pass reclaims them.
func TestCompactAndDelayedExpunge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	// First dead bodies, removed at once.
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := range 3 {
		deliver(t, s, "user.alice", fmt.Sprintf("x%d/0", i), markedMessage(fmt.Sprintf("DEADMSG%d", i), 3000))
	}
	if _, err := s.RemoveMessages(inbox, []uint32{1, 2, 3}, "pop3d"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true, DelayedExpunge: true})
	kept := markedMessage("KEPTMSG", 4000)
	deliver(t, s, "user.alice", "k/0", kept, store.FlagDeleted)
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 1}); err != nil || st.Segments != 1 || st.Bodies != 1 {
		t.Fatalf("Compact: %+v, %v; want the kept body moved", st, err)
	}
	if !segmentsHold(t, spool, "KEPTMSG") || segmentsHold(t, spool, "DEADMSG1") {
		t.Fatal("compaction reclaimed the body of a kept message, or kept a dead one")
	}
	restored, err := s.Unexpunge(inbox, store.UnexpungeOptions{})
	if err != nil || len(restored) != 1 {
		t.Fatalf("Unexpunge: %v, %v", restored, err)
	}
	if got := readBody(t, s, inbox, restored[0].UID); !bytes.Equal(got, kept) {
		t.Errorf("the unexpunged message reads back %d octets, not its own", len(got))
	}
	checkClean(t, s)
	// Expunged again and expired: the next pass reclaims it.
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireExpunged(inbox, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("ExpireExpunged: %d, %v", n, err)
	}
	if st, err := s.Compact(context.Background(), store.CompactPolicy{}); err != nil || st.Segments != 1 {
		t.Fatalf("Compact after expire: %+v, %v", st, err)
	}
	if segmentsHold(t, spool, "KEPTMSG") {
		t.Error("the expired message's body is still on disk after compaction")
	}
	checkClean(t, s)
}
