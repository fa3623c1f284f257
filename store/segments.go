package store

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
)

// segmentSize is where a segment is closed and the next begun.
const segmentSize = 1 << 30

// reserveChunk is how far ahead of its bodies a segment is extended with
// zeros (and fsynced once). Appends then overwrite blocks that already
// exist, so making them durable is an fdatasync that flushes data alone:
// no journal commit for a changed file size per delivery, which on ext4
// cost 3 to 4 times as much. A crash wastes at most one chunk of zeros,
// because the next start appends after the file's end.
const reserveChunk = 4 << 20

// zeros is what a segment is extended with.
var zeros = make([]byte, 64<<10)

// segments is one partition's append-only body files, bodies/seg-NNNNNNNN.
type segments struct {
	dir    string
	noSync bool

	mu      sync.Mutex
	cur     *os.File
	curID   uint32
	curSize int64 // where the next body goes
	// curReserved is the durable length of the current segment: bodies
	// below it are overwrites (see reserveChunk).
	curReserved int64
	dirty       map[uint32]*os.File // appended to since the last sync
	// appended counts appends; synced is the count the last finished sync
	// covered. syncMu lets one sync run at a time, so that a caller whose
	// appends an earlier, still running sync took waits for it to finish
	// instead of finding nothing dirty and committing too early.
	appended uint64
	synced   uint64
	syncMu   sync.Mutex

	rmu     sync.RWMutex
	readers map[uint32]*os.File

	// mv is what compaction moved and removed (relocate.go).
	mv moves
}

func openSegments(root string, noSync bool) (*segments, error) {
	dir := filepath.Join(root, "bodies")
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, err
	}
	if err := tighten(dir, dirMode); err != nil {
		return nil, err
	}
	s := &segments{dir: dir, noSync: noSync, dirty: map[uint32]*os.File{}, readers: map[uint32]*os.File{}}
	s.mv.tables, s.mv.gone, s.mv.inflight = map[uint32]*relocation{}, map[uint32]bool{}, map[uint32]int{}
	// Continue the newest segment: what a crash left after its last
	// recorded body is unreferenced and harmless.
	ids, err := filepath.Glob(filepath.Join(dir, "seg-*"))
	if err != nil {
		return nil, err
	}
	for _, p := range ids {
		if err := tighten(p, fileMode); err != nil {
			return nil, err
		}
		var id uint32
		if _, err := fmt.Sscanf(filepath.Base(p), "seg-%08d", &id); err == nil && id > s.curID {
			s.curID = id
		}
	}
	// A segment number handed out once is never handed out again, even
	// when its file is gone (deleted by hand, lost with a disk): records
	// may still name its offsets, and a new file under that number would
	// serve new mail in their place.
	if hw := filepath.Join(dir, highWaterFile); fileExists(hw) {
		if err := tighten(hw, fileMode); err != nil {
			return nil, err
		}
	}
	if last := s.readHighWater(); last >= s.curID && last > 0 {
		if _, err := os.Stat(s.path(last)); errors.Is(err, os.ErrNotExist) {
			s.curID = last + 1
		} else {
			s.curID = last
		}
	}
	if s.curID == 0 {
		s.curID = 1
	}
	if err := s.openCurrent(); err != nil {
		return nil, err
	}
	if !s.framed() {
		// A segment written before framing is left as it is, and framed
		// bodies begin a segment of their own, so that every segment is
		// either wholly framed or not at all (see reconstruct.go).
		if _, err := s.rotate(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// framed reports whether the current segment is empty or begins with a
// frame (or with the zeros a crash left of its reserve).
func (s *segments) framed() bool {
	var b [4]byte
	if n, _ := s.cur.ReadAt(b[:], 0); n < len(b) {
		return true
	}
	return string(b[:]) == frameMagic || b == [4]byte{}
}

func (s *segments) path(id uint32) string { return filepath.Join(s.dir, fmt.Sprintf("seg-%08d", id)) }

func (s *segments) openCurrent() error {
	_, statErr := os.Stat(s.path(s.curID))
	f, err := os.OpenFile(s.path(s.curID), os.O_CREATE|os.O_RDWR, fileMode)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new segment's name, and the high-water mark that keeps its
		// number from being used again, must outlive a crash before any
		// record names a body in it.
		if err := s.writeHighWater(s.curID); err != nil {
			f.Close()
			return err
		}
		if err := s.syncDir(); err != nil {
			f.Close()
			return err
		}
	}
	s.cur, s.curSize, s.curReserved = f, st.Size(), st.Size()
	s.rmu.Lock()
	s.readers[s.curID] = f
	s.rmu.Unlock()
	return nil
}

// append writes a body, behind its frame header (frames.go), at the end of
// the current segment and returns where the body lies, and the append
// count that sync must reach for it to be durable. The body is held
// (relocate.go) until the caller releases it: compaction waits for a
// segment's held bodies before judging what in it is dead.
func (s *segments) append(body []byte, meta ...frameMeta) (bodyLoc, uint64, error) {
	// The header is built before the lock: the CRC reads the whole body.
	hdr, _ := encodeFrame(frameBody, int64(len(body)), crc32.Checksum(body, castagnoli), bodyLoc{}, meta)
	s.mu.Lock()
	defer s.mu.Unlock()
	at, err := s.room(int64(len(hdr) + len(body)))
	if err != nil {
		return bodyLoc{}, 0, err
	}
	// Two writes rather than one of a joined buffer: the body is never
	// copied.
	if err := s.writeAt(hdr, at); err != nil {
		return bodyLoc{}, 0, err
	}
	if err := s.writeAt(body, at+int64(len(hdr))); err != nil {
		return bodyLoc{}, 0, err
	}
	loc := bodyLoc{Seg: s.curID, Off: at + int64(len(hdr)), Len: int64(len(body))}
	s.dirty[s.curID] = s.cur
	s.appended++
	s.mv.inflight[s.curID]++
	return loc, s.appended, nil
}

// appendRef writes a reference frame naming the body at ref for another
// placement of it, and returns the segment it went to, held like a body's
// until the caller releases it (so that reconstruct can wait for the
// commit naming it). It is not synced: it rides on the partition's next
// sync, because a COPY must not pay an fsync for a record that only
// reconstruct reads.
func (s *segments) appendRef(ref bodyLoc, meta frameMeta) (uint32, error) {
	hdr, _ := encodeFrame(frameRef, ref.Len, 0, ref, []frameMeta{meta})
	s.mu.Lock()
	defer s.mu.Unlock()
	at, err := s.room(int64(len(hdr)))
	if err != nil {
		return 0, err
	}
	if err := s.writeAt(hdr, at); err != nil {
		return 0, err
	}
	s.dirty[s.curID] = s.cur
	s.mv.inflight[s.curID]++
	return s.curID, nil
}

// room makes the current segment take n more bytes, beginning the next
// segment when it is full, and returns where they go. It runs with s.mu
// held.
func (s *segments) room(n int64) (int64, error) {
	if s.curSize > 0 && s.curSize+n > segmentSize {
		// The full segment stays open for readers; sync it with the rest.
		// Its unused reserve goes: nothing will be written there.
		if err := s.cur.Truncate(s.curSize); err != nil {
			return 0, err
		}
		s.dirty[s.curID] = s.cur
		s.curID++
		if err := s.openCurrent(); err != nil {
			return 0, err
		}
	}
	if err := s.reserve(s.curSize + n); err != nil {
		return 0, err
	}
	return s.curSize, nil
}

// writeAt writes b at off of the current segment and moves the end past
// it. A short write leaves bytes nobody references; the next body goes
// after them (a reconstruct scan stops there and says so).
func (s *segments) writeAt(b []byte, off int64) error {
	n, err := s.cur.WriteAt(b, off)
	s.curSize = max(s.curSize, off+int64(n))
	return err
}

// sync returns once the first want appends are on disk. Concurrent callers
// share one fsync: whoever waits on syncMu finds its work done by the sync
// it waited for.
func (s *segments) sync(want uint64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if s.synced >= want {
		s.mu.Unlock()
		return nil
	}
	covers := s.appended
	files := s.dirty
	s.dirty = make(map[uint32]*os.File, len(files))
	s.mu.Unlock()
	var errs []error
	if !s.noSync {
		for _, f := range files {
			if err := fdatasync(f); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Dirty again: the next commit must try again.
		s.mu.Lock()
		for id, f := range files {
			s.dirty[id] = f
		}
		s.mu.Unlock()
		return err
	}
	s.mu.Lock()
	s.synced = covers
	s.mu.Unlock()
	return nil
}

func (s *segments) reader(id uint32) (*os.File, error) {
	s.rmu.RLock()
	f := s.readers[id]
	s.rmu.RUnlock()
	if f != nil {
		return f, nil
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if f := s.readers[id]; f != nil {
		return f, nil
	}
	f, err := os.Open(s.path(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("segment %d: %w", id, ErrNoMessage)
		}
		return nil, err
	}
	s.readers[id] = f
	return f, nil
}

// size reports a segment's length, for the store check.
func (s *segments) size(id uint32) (int64, error) {
	f, err := s.reader(id)
	if err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// reserve extends the current segment with zeros, durably, so that it is at
// least end bytes long. It runs with s.mu held. Short of space for a whole
// chunk it reserves just end, so that a nearly full partition still takes
// what fits.
func (s *segments) reserve(end int64) error {
	if end <= s.curReserved {
		return nil
	}
	target := min((end/reserveChunk+1)*reserveChunk, max(segmentSize, end))
	err := s.extend(target)
	if err != nil && target > end {
		err = s.extend(end)
	}
	if err != nil {
		return fmt.Errorf("reserve segment %d: %w", s.curID, err)
	}
	return nil
}

func (s *segments) extend(target int64) error {
	for off := s.curReserved; off < target; {
		n := min(int64(len(zeros)), target-off)
		if _, err := s.cur.WriteAt(zeros[:n], off); err != nil {
			// Give back what was taken, for the smaller try and for
			// everyone else on the file system.
			return errors.Join(err, s.cur.Truncate(s.curReserved))
		}
		off += n
	}
	if !s.noSync {
		if err := s.cur.Sync(); err != nil {
			return err
		}
	}
	s.curReserved = target
	return nil
}

func (s *segments) close() error {
	s.mu.Lock()
	// The reserve past the last body goes, so that the next start appends
	// right after it.
	truncErr := s.cur.Truncate(s.curSize)
	s.mu.Unlock()
	s.rmu.Lock()
	defer s.rmu.Unlock()
	errs := []error{truncErr, s.expire(0)}
	for id, f := range s.readers {
		errs = append(errs, f.Close())
		delete(s.readers, id)
	}
	return errors.Join(errs...)
}
