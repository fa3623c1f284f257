package store

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Compaction (compact.go) copies a segment's live bodies forward and
// points the index records at the copies. This file is what the rest of
// the store must know about that while it happens: where a body went
// (relocation tables, consulted by readers holding an old record and by
// writers putting one), which segments are gone, and which segments still
// have bodies placed but not yet committed (so that compaction never
// judges such a body dead).

// ErrBodyReclaimed is a write naming a body that compaction found
// unreferenced and has removed: the message was expunged meanwhile.
var ErrBodyReclaimed = fmt.Errorf("%w: its body was reclaimed", ErrNoMessage)

// relocationTTL is how long a removed segment's table is kept for
// readers and writers that hold a record read before the move. Readers
// past it re-read the record (OpenBody); writers past it are refused.
const relocationTTL = time.Hour

// retireGrace is how long a removed segment's file stays open, so that a
// body being streamed from it when it went finishes from the old copy.
const retireGrace = time.Minute

// relocation is one segment's moves: old offset → new place.
type relocation struct {
	to map[int64]bodyLoc
	// sealed: every body still referenced has a new place, so a write
	// naming an offset not in to names a dead body.
	sealed    bool
	removedAt time.Time
}

// retiredFile is the open file of a removed segment, closed after grace.
type retiredFile struct {
	f  *os.File
	at time.Time
}

// moves is a partition's compaction state, part of segments.
type moves struct {
	// active is set while any table exists, so that the delivery path
	// pays one atomic load and no lock when nothing was ever compacted.
	active  atomic.Bool
	mu      sync.RWMutex
	tables  map[uint32]*relocation
	gone    map[uint32]bool
	retired []retiredFile
	// inflight counts, per segment, bodies appended whose commit has not
	// settled (under segments.mu).
	inflight map[uint32]int
}

// resolve follows m's body through the relocation tables. A record naming
// a removed segment whose body was not moved gets ErrBodyReclaimed.
func (s *segments) resolve(seg uint32, off int64) (uint32, int64, error) {
	if !s.mv.active.Load() {
		return seg, off, nil
	}
	s.mv.mu.RLock()
	defer s.mv.mu.RUnlock()
	for range 64 { // a body moved at most once per compaction
		r := s.mv.tables[seg]
		if r == nil {
			break
		}
		to, ok := r.to[off]
		if !ok {
			if r.sealed {
				return seg, off, ErrBodyReclaimed
			}
			return seg, off, nil
		}
		seg, off = to.Seg, to.Off
	}
	if s.mv.gone[seg] {
		return seg, off, ErrBodyReclaimed
	}
	return seg, off, nil
}

// relocate points a record about to be written at its body's current
// place (every index write goes through it, see update.go).
func (s *segments) relocate(m *Message) error {
	seg, off, err := s.resolve(m.Seg, m.Off)
	if err != nil {
		return fmt.Errorf("uid %d: %w", m.UID, err)
	}
	m.Seg, m.Off = seg, off
	return nil
}

// hold marks a body appended to seg as not yet committed; release undoes
// it once the commit naming it settled (either way).
func (s *segments) release(seg uint32) {
	s.mu.Lock()
	if s.mv.inflight[seg]--; s.mv.inflight[seg] <= 0 {
		delete(s.mv.inflight, seg)
	}
	s.mu.Unlock()
}

// settled waits until no body appended to seg awaits its commit.
func (s *segments) settled(seg uint32) {
	for {
		s.mu.Lock()
		n := s.mv.inflight[seg]
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// rotate closes the current segment and begins the next, so that the old
// one can be compacted; it returns the old id, or 0 when the current
// segment is empty.
func (s *segments) rotate() (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.curSize == 0 {
		return 0, nil
	}
	if err := s.cur.Truncate(s.curSize); err != nil {
		return 0, err
	}
	old := s.curID
	s.dirty[old] = s.cur
	s.curID++
	if err := s.openCurrent(); err != nil {
		return 0, err
	}
	return old, nil
}

// current reports the id and length of the segment being appended to.
func (s *segments) current() (uint32, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.curID, s.curSize
}

// syncAll makes every append so far durable.
func (s *segments) syncAll() error {
	s.mu.Lock()
	n := s.appended
	s.mu.Unlock()
	return s.sync(n)
}

// syncDirty makes every write so far durable, reference frames (which no
// sync waits for, see appendRef) included.
func (s *segments) syncDirty() error {
	s.mu.Lock()
	s.appended++ // a sync of its own, even when no body was appended
	n := s.appended
	s.mu.Unlock()
	return s.sync(n)
}

// moved records where bodies of seg went; sealed says the table is whole.
func (s *segments) moved(seg uint32, to map[int64]bodyLoc, sealed bool) {
	s.mv.mu.Lock()
	defer s.mv.mu.Unlock()
	r := s.mv.tables[seg]
	if r == nil {
		r = &relocation{to: map[int64]bodyLoc{}}
		s.mv.tables[seg] = r
	}
	for off, loc := range to {
		r.to[off] = loc
	}
	r.sealed = r.sealed || sealed
	s.mv.active.Store(true)
}

// remove deletes a segment whose every body has moved: the file goes
// (and the directory entry durably), its open file is kept for retireGrace.
func (s *segments) remove(seg uint32) error {
	s.mv.mu.Lock()
	s.mv.gone[seg] = true
	if r := s.mv.tables[seg]; r != nil {
		r.sealed, r.removedAt = true, time.Now()
	}
	s.mv.active.Store(true)
	s.mv.mu.Unlock()
	s.rmu.Lock()
	if f := s.readers[seg]; f != nil {
		delete(s.readers, seg)
		s.mv.mu.Lock()
		s.mv.retired = append(s.mv.retired, retiredFile{f: f, at: time.Now()})
		s.mv.mu.Unlock()
	}
	s.rmu.Unlock()
	if err := os.Remove(s.path(seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// The space returns when the file closes: then, not at the next pass.
	time.AfterFunc(retireGrace, func() { s.expire(retireGrace) })
	return s.syncDir()
}

// expire closes removed segments' files older than grace and forgets
// tables older than relocationTTL.
func (s *segments) expire(grace time.Duration) error {
	s.mv.mu.Lock()
	defer s.mv.mu.Unlock()
	var errs []error
	keep := s.mv.retired[:0]
	for _, r := range s.mv.retired {
		if time.Since(r.at) >= grace {
			errs = append(errs, r.f.Close())
		} else {
			keep = append(keep, r)
		}
	}
	s.mv.retired = keep
	for seg, r := range s.mv.tables {
		if !r.removedAt.IsZero() && time.Since(r.removedAt) > relocationTTL {
			delete(s.mv.tables, seg)
		}
	}
	return errors.Join(errs...)
}

func (s *segments) syncDir() error {
	if s.noSync {
		return nil
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// files lists the partition's segment ids, ascending.
func (s *segments) files() ([]uint32, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var ids []uint32
	for _, e := range ents {
		var id uint32
		if _, err := fmt.Sscanf(e.Name(), "seg-%08d", &id); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// releaseBody settles a body placeBody appended, once the commit naming
// it has settled; a body placed earlier and reused is not held.
func (s *Store) releaseBody(pb *PlacedBody) {
	if pb == nil || !pb.held {
		return
	}
	pb.held = false
	if segs, ok := s.bodies[pb.partition]; ok {
		segs.release(pb.holdSeg)
	}
}

// current returns m with its body's present place, for a reader holding
// a record read before a compaction moved the body.
func (s *Store) current(mb *Mailbox, m *Message) *Message {
	segs, ok := s.bodies[mb.Partition]
	if !ok || !segs.mv.active.Load() {
		return m
	}
	seg, off, err := segs.resolve(m.Seg, m.Off)
	if err != nil || (seg == m.Seg && off == m.Off) {
		return m
	}
	c := *m
	c.Seg, c.Off = seg, off
	return &c
}

// appendMark is the current segment's end and the append count at one
// moment, so that copies made after it can be taken back (rewind).
type appendMark struct {
	seg      uint32
	size     int64
	appended uint64
}

// mark notes where the next append goes.
func (s *segments) mark() appendMark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return appendMark{seg: s.curID, size: s.curSize, appended: s.appended}
}

// rewind takes back the appends made since m when they are all
// compaction's own (ours of them succeeded, no one else's did) and none
// is named anywhere: the current segment's end goes back to m and the
// file is cut there, so that a batch that failed (typically the disk
// filling up) leaves neither dead copies nor a reserve taking the space
// deliveries need. Bytes a failed write of someone else left after m go
// too: nothing names them. It reports whether it could.
func (s *segments) rewind(m appendMark, ours uint64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.curID != m.seg || s.appended != m.appended+ours || s.curSize < m.size {
		return false, nil
	}
	if s.curSize == m.size && s.curReserved <= m.size {
		return true, nil
	}
	if err := s.cur.Truncate(m.size); err != nil {
		return false, fmt.Errorf("cut segment %d back to %d: %w", m.seg, m.size, err)
	}
	s.curSize = m.size
	// The reserve is gone with the cut; the next append extends it again.
	s.curReserved = m.size
	return true, nil
}

// unseal undoes a seal when a pass fails before the segment is removed:
// the segment stays, and a write of a record naming one of its bodies
// that was not moved must keep naming it rather than be refused as
// naming a reclaimed body.
func (s *segments) unseal(seg uint32) {
	s.mv.mu.Lock()
	defer s.mv.mu.Unlock()
	if r := s.mv.tables[seg]; r != nil && !s.mv.gone[seg] {
		r.sealed = false
	}
}
