package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compaction gives back the space of bodies no index record names any more.
//
// No record counts a body's references: a body is live while some record
// in some index (of a mailbox on its partition, or of an index no mailbox
// lists, to be safe) names its segment and offset. A pass therefore scans
// the indexes, sums each segment's live bytes, and compacts the segments
// whose dead share passes the policy (CompactPolicy). For one segment S:
//
//  1. If S is the one being appended to, the next segment is begun and the
//     pass waits until no body placed in S awaits its commit.
//  2. The records naming S are collected; S's live bodies are copied, in
//     small batches and at the allowed rate, to the end of the current
//     segment, which is synced; then the batch's moves are published
//     (a write of a stale record is pointed at the copy from now on) and
//     the batch's records are rewritten in place, a small transaction
//     per shard, each record only if it still names S at that offset.
//  3. S is sealed: a write naming a body of S that was not moved (one
//     expunged before the scan) now fails. One commit per shard settles
//     every write made before the seal; a final scan copies and rewrites
//     whatever still names S.
//  4. When the final scan finds nothing, S is deleted and the directory
//     synced.
//
// A crash anywhere leaves every record naming a body that exists: copies
// are durable before any record names them, and S goes only when none
// does. A copy made but not yet named is dead space in the current
// segment, reclaimed when that one is compacted; the next pass starts
// from the scan again, so an interrupted pass is simply resumed.

// CompactPolicy says which segments a pass compacts and how fast.
type CompactPolicy struct {
	// DeadPercent: a segment qualifies when at least this share of its
	// bytes is dead (1 to 100; 0 means 50).
	DeadPercent int
	// MinDeadBytes: and at least this many bytes are dead; the segment
	// being appended to is closed for compaction only then. 0 means 1.
	MinDeadBytes int64
	// MaxBytesPerSec bounds the bytes copied per second; 0 is unbounded.
	MaxBytesPerSec int64
	// Progress, if set, learns of each segment done.
	Progress func(CompactProgress)
}

// CompactProgress is one segment compacted.
type CompactProgress struct {
	Partition  string
	Segment    uint32
	Bodies     int   // bodies copied forward
	BytesMoved int64 // their bytes
	BytesFreed int64 // the segment's length, now given back
}

// CompactStats sums a pass.
type CompactStats struct {
	Segments   int
	Bodies     int
	BytesMoved int64
	BytesFreed int64
	Took       time.Duration
}

// SegmentUsage is one segment file and how much of it is live.
type SegmentUsage struct {
	Partition string
	Segment   uint32
	Size      int64 // bytes in use (the current segment's reserve excluded)
	Live      int64 // bytes of bodies some record names
	Current   bool  // the segment being appended to
}

// Dead is the bytes no record names.
func (u SegmentUsage) Dead() int64 { return u.Size - u.Live }

// compactBatch bounds one batch of copies: what is published and
// rewritten together, and what one rewrite transaction per shard holds.
const (
	compactBatchBytes  = 4 << 20
	compactBatchBodies = 256
)

// compactMu lets one pass run at a time.
var compactMu sync.Mutex

// bodyRef is one record naming a body: where the record is.
type bodyRef struct {
	shard   int
	mailbox string // index bucket (mailbox unique id)
	// path is the nested buckets under the index bucket down to the one
	// holding the record; the last names its kind (recordLoc).
	path []string
	key  string
	off  int64
	size int64
	// meta is the record's placement (mailbox, date, flags), read only
	// when compaction copies the body and writes its frame.
	meta *frameMeta
}

// Record layout offsets (record.go): version 1, uid 4, modseq 8, two
// dates 16, size 8, then segment and offset.
const (
	recSizeAt = 1 + 4 + 8 + 16
	recSegAt  = recSizeAt + 8
	recOffAt  = recSegAt + 4
	recMinLen = recOffAt + 8 + 8 + 2
)

// recordLoc reads a record's body place without decoding the rest. Only
// the messages bucket (by its name) is known to hold records; in any
// other bucket a value counts only when it decodes whole.
func recordLoc(bucket string, v []byte) (seg uint32, off, size int64, ok bool) {
	if len(v) < recMinLen || v[0] != recordVersion {
		return 0, 0, 0, false
	}
	if bucket != string(bucketMessages) {
		if _, err := decodeMessage(v); err != nil {
			return 0, 0, 0, false
		}
	}
	return binary.BigEndian.Uint32(v[recSegAt:]), int64(binary.BigEndian.Uint64(v[recOffAt:])),
		int64(binary.BigEndian.Uint64(v[recSizeAt:])), true
}

// partitionsByIndex maps each listed mailbox's unique id to its partition.
func (s *Store) partitionsByIndex() (map[string]string, error) {
	parts := map[string]string{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMboxList).ForEach(func(k, v []byte) error {
			var mb Mailbox
			if json.Unmarshal(v, &mb) == nil {
				parts[mb.UniqueID] = mb.Partition
			}
			return nil
		})
	})
	return parts, err
}

// scanRefs calls fn for every record that names a body on partition,
// shard by shard in read transactions. An index no mailbox lists counts
// for every partition.
func (s *Store) scanRefs(partition string, fn func(seg uint32, r bodyRef)) error {
	return s.scanRefsMeta(partition, nil, fn)
}

// scanRefsMeta is scanRefs, with the placements of the records naming a
// body in a segment wantMeta says yes to.
func (s *Store) scanRefsMeta(partition string, wantMeta func(seg uint32) bool, fn func(seg uint32, r bodyRef)) error {
	parts, err := s.partitionsByIndex()
	if err != nil {
		return err
	}
	for _, sh := range s.shards {
		err := sh.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIndexes).ForEachBucket(func(id []byte) error {
				if p, ok := parts[string(id)]; ok && p != partition {
					return nil
				}
				return walkRecords(tx.Bucket(bucketIndexes).Bucket(id), nil, func(path []string, k, v []byte, seg uint32, off, size int64) {
					r := bodyRef{shard: sh.id, mailbox: string(id), path: path, key: string(k), off: off, size: size}
					if wantMeta != nil && wantMeta(seg) {
						r.meta = &frameMeta{Mailbox: string(id)}
						if m, err := decodeMessage(v); err == nil {
							r.meta.Date, r.meta.Flags = m.InternalDate, m.Flags
						}
					}
					fn(seg, r)
				})
			})
		})
		if err != nil {
			return fmt.Errorf("scan shard %d: %w", sh.id, err)
		}
	}
	return nil
}

// walkRecords calls fn for every record in the buckets nested in b, at
// any depth: a bucket added later for records (messages kept after an
// expunge) keeps its bodies alive and has them moved, without compaction
// having to know it.
func walkRecords(b *bolt.Bucket, path []string, fn func(path []string, k, v []byte, seg uint32, off, size int64)) error {
	return b.ForEachBucket(func(name []byte) error {
		sub := append(append([]string(nil), path...), string(name))
		nb := b.Bucket(name)
		if err := walkRecords(nb, sub, fn); err != nil {
			return err
		}
		return nb.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // a nested bucket, walked above
			}
			if seg, off, size, ok := recordLoc(string(name), v); ok {
				fn(sub, k, v, seg, off, size)
			}
			return nil
		})
	})
}

// SegmentUsage reports every segment of every partition and its live bytes.
func (s *Store) SegmentUsage() ([]SegmentUsage, error) {
	var out []SegmentUsage
	for _, p := range s.partitionNames() {
		u, err := s.partitionUsage(p)
		if err != nil {
			return nil, err
		}
		out = append(out, u...)
	}
	return out, nil
}

func (s *Store) partitionNames() []string {
	names := make([]string, 0, len(s.bodies))
	for p := range s.bodies {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

func (s *Store) partitionUsage(partition string) ([]SegmentUsage, error) {
	segs := s.bodies[partition]
	// The current segment is read first: a segment begun after the scan
	// must not be taken for one the scan saw.
	cur, curSize := segs.current()
	live := map[uint32]map[int64]int64{}
	err := s.scanRefs(partition, func(seg uint32, r bodyRef) {
		m := live[seg]
		if m == nil {
			m = map[int64]int64{}
			live[seg] = m
		}
		m[r.off] = max(m[r.off], r.size)
	})
	if err != nil {
		return nil, err
	}
	ids, err := segs.files()
	if err != nil {
		return nil, err
	}
	var out []SegmentUsage
	for _, id := range ids {
		if id > cur {
			continue
		}
		u := SegmentUsage{Partition: partition, Segment: id, Current: id == cur}
		if u.Current {
			u.Size = curSize
		} else if u.Size, err = segs.size(id); err != nil {
			continue // removed meanwhile
		}
		f, ferr := segs.reader(id)
		for off, n := range live[id] {
			u.Live += n
			if ferr == nil {
				u.Live += headerBefore(f, off, n) // its frame lives with it
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// Compact runs one compaction pass over every partition under policy,
// and stops between batches when ctx is done.
func (s *Store) Compact(ctx context.Context, policy CompactPolicy) (CompactStats, error) {
	compactMu.Lock()
	defer compactMu.Unlock()
	if policy.DeadPercent <= 0 {
		policy.DeadPercent = 50
	}
	if policy.MinDeadBytes <= 0 {
		policy.MinDeadBytes = 1
	}
	start := time.Now()
	var st CompactStats
	for _, p := range s.partitionNames() {
		if err := s.compactPartition(ctx, p, policy, &st); err != nil {
			st.Took = time.Since(start)
			return st, fmt.Errorf("compact partition %s: %w", p, err)
		}
	}
	st.Took = time.Since(start)
	return st, nil
}

func (s *Store) compactPartition(ctx context.Context, partition string, policy CompactPolicy, st *CompactStats) error {
	segs := s.bodies[partition]
	if err := segs.expire(retireGrace); err != nil {
		s.log.Warn("compact: closing removed segments", "partition", partition, "err", err)
	}
	usage, err := s.partitionUsage(partition)
	if err != nil {
		return err
	}
	var chosen []uint32
	for _, u := range usage {
		if u.Dead() < policy.MinDeadBytes || u.Dead()*100 < int64(policy.DeadPercent)*u.Size {
			if !(u.Size == 0 && !u.Current) { // an empty closed segment just goes
				continue
			}
		}
		if u.Current {
			old, err := segs.rotate()
			if err != nil {
				return fmt.Errorf("begin next segment: %w", err)
			}
			if old == 0 {
				continue
			}
			segs.settled(old)
		}
		chosen = append(chosen, u.Segment)
	}
	rate := &rateLimit{perSec: policy.MaxBytesPerSec, start: time.Now()}
	for _, seg := range chosen {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := s.compactSegment(ctx, partition, seg, chosen, rate)
		if err != nil {
			return fmt.Errorf("segment %d: %w", seg, err)
		}
		st.Segments++
		st.Bodies += p.Bodies
		st.BytesMoved += p.BytesMoved
		st.BytesFreed += p.BytesFreed
		if policy.Progress != nil {
			policy.Progress(p)
		}
	}
	return nil
}

// compactSegment moves seg's live bodies forward and removes it. When it
// fails the segment stays, whole and unsealed, with some records perhaps
// already naming copies: both are readable, and the next pass resumes.
func (s *Store) compactSegment(ctx context.Context, partition string, seg uint32, gone []uint32, rate *rateLimit) (prog CompactProgress, err error) {
	segs := s.bodies[partition]
	defer func() {
		if err != nil {
			segs.unseal(seg)
		}
	}()
	prog = CompactProgress{Partition: partition, Segment: seg}
	size, err := segs.size(seg)
	if err != nil {
		return prog, err
	}
	// Whatever was appended to seg before it was closed is on disk, so
	// that the segment never comes back into the sync set after it goes.
	if err := segs.syncAll(); err != nil {
		return prog, err
	}
	segs.settled(seg)
	moved := map[int64]bodyLoc{}
	settled := false
	for round := 0; ; round++ {
		refs, err := s.refsTo(partition, seg)
		if err != nil {
			return prog, err
		}
		if len(refs) == 0 && settled {
			break
		}
		if round > 4 {
			return prog, fmt.Errorf("%d records still name the segment after %d rounds", len(refs), round)
		}
		if round == 0 {
			if err := roomFor(segs, refs); err != nil {
				return prog, err
			}
		}
		if err := s.moveRefs(ctx, segs, seg, refs, moved, rate, &prog); err != nil {
			return prog, err
		}
		// Seal, then let every write applied before the seal commit (one
		// transaction per shard behind them), so that the next scan sees
		// all that name seg; later writes are pointed at the copies.
		segs.moved(seg, nil, true)
		for _, sh := range s.shards {
			if err := sh.commit.do(func(*bolt.Tx) error { return nil }); err != nil {
				return prog, err
			}
		}
		settled = true
	}
	segs.moved(seg, nil, true)
	if err := s.carryRefFrames(partition, seg, gone); err != nil {
		return prog, fmt.Errorf("reference frames: %w", err)
	}
	if err := segs.remove(seg); err != nil {
		return prog, fmt.Errorf("remove: %w", err)
	}
	prog.BytesFreed = size
	return prog, nil
}

// refsTo collects the records naming a body in seg, by offset.
func (s *Store) refsTo(partition string, seg uint32) ([]bodyRef, error) {
	var refs []bodyRef
	err := s.scanRefsMeta(partition, func(sg uint32) bool { return sg == seg }, func(sg uint32, r bodyRef) {
		if sg == seg {
			refs = append(refs, r)
		}
	})
	sort.Slice(refs, func(i, j int) bool { return refs[i].off < refs[j].off })
	return refs, err
}

// moveRefs copies the bodies refs name (those not moved yet) forward in
// batches, and rewrites the records.
func (s *Store) moveRefs(ctx context.Context, segs *segments, seg uint32, refs []bodyRef, moved map[int64]bodyLoc, rate *rateLimit, prog *CompactProgress) error {
	src, err := segs.reader(seg)
	if err != nil {
		return err
	}
	for len(refs) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		// One batch: the refs of the next bodies up to the batch's bounds.
		var batch []bodyRef
		var bytes int64
		bodies := 0
		mark := segs.mark()
		for len(refs) > 0 {
			r := refs[0]
			if _, done := moved[r.off]; !done {
				if bodies > 0 && (bodies >= compactBatchBodies || bytes+r.size > compactBatchBytes) {
					break
				}
				k := 1
				for k < len(refs) && refs[k].off == r.off {
					k++
				}
				if err := s.copyBody(segs, src, refs[:k], moved, rate); err != nil {
					// Nothing names the batch's copies yet (moved is
					// dropped with the error): take them back.
					s.takeBack(segs, mark, uint64(bodies))
					return err
				}
				bodies++
				bytes += r.size
				prog.Bodies++
				prog.BytesMoved += r.size
			}
			batch = append(batch, r)
			refs = refs[1:]
		}
		if err := segs.syncAll(); err != nil {
			s.takeBack(segs, mark, uint64(bodies))
			return err
		}
		segs.moved(seg, moved, false)
		if err := s.rewriteRefs(seg, batch, moved); err != nil {
			return err
		}
	}
	return nil
}

// roomFor refuses to begin copying a segment's live bodies when the
// partition's file system cannot hold them all: a segment gives its space
// back only once every body is moved, so a pass that would run out of
// room half-way would only fill the disk with copies. It leaves
// BulkHeadroom free for deliveries. The error wraps
// ENOSPC (NoSpace reports it), and leaves the store as it was.
func roomFor(segs *segments, refs []bodyRef) error {
	free, err := freeSpace(segs.dir)
	if err != nil || free < 0 {
		return err // unknown: a full disk shows as a failed write instead
	}
	var need int64
	seen := map[int64]bool{}
	for _, r := range refs {
		if !seen[r.off] {
			seen[r.off] = true
			need += r.size
		}
	}
	if need+BulkHeadroom > free {
		return fmt.Errorf("moving %d bytes of live bodies needs %d bytes free on the partition (%d of headroom for deliveries), %d are: %w",
			need, need+BulkHeadroom, int64(BulkHeadroom), free, syscall.ENOSPC)
	}
	return nil
}

// takeBack gives back the copies of a batch that failed (see rewind); a
// batch whose copies another append followed leaves them as dead bytes,
// reclaimed when their segment is compacted.
func (s *Store) takeBack(segs *segments, mark appendMark, copies uint64) {
	ok, err := segs.rewind(mark, copies)
	switch {
	case err != nil:
		s.log.Warn("compact: giving back the copies of a failed batch", "segment", mark.seg, "err", err)
	case !ok:
		s.log.Info("compact: the copies of a failed batch stay as dead bytes (deliveries followed them)", "segment", mark.seg)
	}
}

// copyBody appends one body of seg to the current segment, framed with
// the placements of the records naming it (refs, all at one offset).
func (s *Store) copyBody(segs *segments, src io.ReaderAt, refs []bodyRef, moved map[int64]bodyLoc, rate *rateLimit) error {
	r := refs[0]
	buf := make([]byte, r.size)
	if _, err := src.ReadAt(buf, r.off); err != nil {
		return fmt.Errorf("read body at %d+%d: %w", r.off, r.size, err)
	}
	loc, _, err := segs.appendFramed(buf, placementsOf(refs))
	if err != nil {
		return fmt.Errorf("copy body: %w", err)
	}
	// No commit waits on the copy: the relocation table names it once it
	// is synced, and compaction runs one at a time.
	segs.release(loc.Seg)
	moved[r.off] = loc
	rate.wait(r.size)
	return nil
}

// rewriteRefs points the records of a batch at their bodies' new places,
// one transaction per shard; a record no longer naming seg at its offset
// (expunged, or rewritten meanwhile) is left alone.
func (s *Store) rewriteRefs(seg uint32, batch []bodyRef, moved map[int64]bodyLoc) error {
	byShard := map[int][]bodyRef{}
	for _, r := range batch {
		byShard[r.shard] = append(byShard[r.shard], r)
	}
	for shard, refs := range byShard {
		err := s.shards[shard].commit.do(func(tx *bolt.Tx) error {
			for _, r := range refs {
				b := tx.Bucket(bucketIndexes).Bucket([]byte(r.mailbox))
				for _, name := range r.path {
					if b == nil {
						break
					}
					b = b.Bucket([]byte(name))
				}
				if b == nil {
					continue
				}
				v := b.Get([]byte(r.key))
				sg, off, _, ok := recordLoc(r.path[len(r.path)-1], v)
				to, has := moved[r.off]
				if !ok || sg != seg || off != r.off || !has {
					continue
				}
				nv := append([]byte(nil), v...)
				binary.BigEndian.PutUint32(nv[recSegAt:], to.Seg)
				binary.BigEndian.PutUint64(nv[recOffAt:], uint64(to.Off))
				if err := b.Put([]byte(r.key), nv); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("rewrite shard %d: %w", shard, err)
		}
	}
	return nil
}

// rateLimit paces copies to perSec bytes a second on average.
type rateLimit struct {
	perSec int64
	start  time.Time
	done   int64
}

func (r *rateLimit) wait(n int64) {
	if r.perSec <= 0 {
		return
	}
	r.done += n
	due := time.Duration(float64(r.done) / float64(r.perSec) * float64(time.Second))
	if d := due - time.Since(r.start); d > 0 {
		time.Sleep(d)
	}
}
