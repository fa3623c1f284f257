package store

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// A delivery to a mailbox that a thousand sessions idle on wakes them all
// at once, and each asks to claim the new message's \Recent. The claim is
// decided in memory, where this process keeps each mailbox's mark once it
// has read it from disk: one session wins, the others learn at once that
// nothing is left. The winner's move of the mark is written to the
// mailbox's index behind it. When the claim committed first, every session
// that came while it was in flight read the disk and queued a write
// transaction of its own, and the winner's EXISTS, the last one a client
// of that mailbox saw, waited for an fsync.
//
// The store is one process's (bbolt holds its lock), so the memory is the
// mark while the process runs; a crash may lose the last moves, which
// makes those messages recent again: harmless, as recent.go says.

// recentMarks holds the marks this process has read or moved, per mailbox
// unique id. Entries are never removed: one per mailbox ever claimed in.
type recentMarks struct{ m sync.Map } // string → *recentMark

type recentMark struct {
	// at is the mark, once loaded: read without the lock by the fast
	// path, moved only under mu. 0 means not loaded (marks start at 1).
	at atomic.Uint32

	mu        sync.Mutex
	persisted uint32 // the highest mark known to be on disk
	writing   bool   // a writer goroutine is persisting the mark
}

func (r *recentMarks) get(id string) *recentMark {
	if v, ok := r.m.Load(id); ok {
		return v.(*recentMark)
	}
	v, _ := r.m.LoadOrStore(id, new(recentMark))
	return v.(*recentMark)
}

// claimed is the mark of id as this process knows it, 0 if unknown.
func (r *recentMarks) claimed(id string) uint32 {
	if v, ok := r.m.Load(id); ok {
		return v.(*recentMark).at.Load()
	}
	return 0
}

// ClaimRecent claims for the caller the UIDs from the mailbox's mark up to
// (not including) upTo, and moves the mark to upTo: the caller's session
// alone shows them \Recent. It returns the claimed range [from, to), empty
// (from == to) when another session was first. The first claim in a
// mailbox reads its mark; after that, a claim costs no transaction, and
// the one that moves the mark starts its write and does not wait for it.
func (s *Store) ClaimRecent(mb *Mailbox, upTo uint32) (from, to uint32, err error) {
	rm := s.recent.get(mb.UniqueID)
	if rm.at.Load() >= upTo {
		return upTo, upTo, nil
	}
	rm.mu.Lock()
	if rm.at.Load() == 0 {
		var onDisk uint32
		err := s.viewIndex(mb, func(b *bolt.Bucket) error {
			onDisk = readRecentUID(b)
			return nil
		})
		if err != nil {
			rm.mu.Unlock()
			return 0, 0, fmt.Errorf("claim recent in %s: %w", mb.Name, err)
		}
		rm.at.Store(onDisk)
		rm.persisted = onDisk
	}
	from = rm.at.Load()
	if from >= upTo {
		rm.mu.Unlock()
		return upTo, upTo, nil
	}
	rm.at.Store(upTo)
	start := !rm.writing && s.background.start()
	if start {
		rm.writing = true
	}
	rm.mu.Unlock()
	if start {
		go s.persistRecent(mb, rm)
	}
	return from, upTo, nil
}

// persistRecent writes rm's mark to mb's index until what is on disk is
// what memory holds; one writer per mailbox at a time, so a burst of
// claims costs one transaction or two.
func (s *Store) persistRecent(mb *Mailbox, rm *recentMark) {
	defer s.background.done()
	for {
		rm.mu.Lock()
		target := rm.at.Load()
		if target <= rm.persisted {
			rm.writing = false
			rm.mu.Unlock()
			return
		}
		rm.mu.Unlock()
		_, err := updateMailbox(s, mb, func(u *mailboxUpdate) (struct{}, error) {
			if readRecentUID(u.index) >= target {
				return struct{}{}, nil
			}
			var v [4]byte
			binary.BigEndian.PutUint32(v[:], target)
			return struct{}{}, u.index.Put(keyRecentUID, v[:])
		})
		rm.mu.Lock()
		if err != nil {
			// The next claim tries again; until then the mark lives
			// in memory, which is what sessions read.
			rm.writing = false
			rm.mu.Unlock()
			s.log.Warn("recent mark not written", "mailbox", mb.Name, "err", err)
			return
		}
		rm.persisted = max(rm.persisted, target)
		rm.mu.Unlock()
	}
}
