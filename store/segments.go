package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// segmentSize is where a segment is closed and the next begun.
const segmentSize = 1 << 30

// segments is one partition's append-only body files, bodies/seg-NNNNNNNN.
type segments struct {
	dir    string
	noSync bool

	mu      sync.Mutex
	cur     *os.File
	curID   uint32
	curSize int64
	dirty   map[uint32]*os.File // appended to since the last sync
	// appended counts appends; synced is the count the last finished sync
	// covered. syncMu lets one sync run at a time, so that a caller whose
	// appends an earlier, still running sync took waits for it to finish
	// instead of finding nothing dirty and committing too early.
	appended uint64
	synced   uint64
	syncMu   sync.Mutex

	rmu     sync.RWMutex
	readers map[uint32]*os.File
}

func openSegments(root string, noSync bool) (*segments, error) {
	dir := filepath.Join(root, "bodies")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	s := &segments{dir: dir, noSync: noSync, dirty: map[uint32]*os.File{}, readers: map[uint32]*os.File{}}
	// Continue the newest segment: what a crash left after its last
	// recorded body is unreferenced and harmless.
	ids, err := filepath.Glob(filepath.Join(dir, "seg-*"))
	if err != nil {
		return nil, err
	}
	for _, p := range ids {
		var id uint32
		if _, err := fmt.Sscanf(filepath.Base(p), "seg-%08d", &id); err == nil && id > s.curID {
			s.curID = id
		}
	}
	if s.curID == 0 {
		s.curID = 1
	}
	if err := s.openCurrent(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *segments) path(id uint32) string { return filepath.Join(s.dir, fmt.Sprintf("seg-%08d", id)) }

func (s *segments) openCurrent() error {
	f, err := os.OpenFile(s.path(s.curID), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	s.cur, s.curSize = f, st.Size()
	s.rmu.Lock()
	s.readers[s.curID] = f
	s.rmu.Unlock()
	return nil
}

// append writes a body at the end of the current segment.
func (s *segments) append(body []byte) (bodyLoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.curSize > 0 && s.curSize+int64(len(body)) > segmentSize {
		// The full segment stays open for readers; sync it with the rest.
		s.dirty[s.curID] = s.cur
		s.curID++
		if err := s.openCurrent(); err != nil {
			return bodyLoc{}, err
		}
	}
	n, err := s.cur.WriteAt(body, s.curSize)
	if err != nil {
		// A short write leaves bytes nobody references; the next body
		// goes after them.
		s.curSize += int64(n)
		return bodyLoc{}, err
	}
	loc := bodyLoc{Seg: s.curID, Off: s.curSize, Len: int64(len(body))}
	s.curSize += int64(n)
	s.dirty[s.curID] = s.cur
	s.appended++
	return loc, nil
}

// sync returns once every body appended before the call is on disk.
// Concurrent callers share one fsync: whoever waits on syncMu finds the
// work done by the sync it waited for.
func (s *segments) sync() error {
	s.mu.Lock()
	want := s.appended
	s.mu.Unlock()
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
			if err := f.Sync(); err != nil {
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

func (s *segments) close() error {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	var errs []error
	for id, f := range s.readers {
		errs = append(errs, f.Close())
		delete(s.readers, id)
	}
	return errors.Join(errs...)
}
