package store

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// RFC 3501 §2.3.2: a message is \Recent in exactly one session, the first
// to be told of it; a read-write session that sees it takes the flag away
// from every later one. As Cyrus keeps recentuid in its index header, the
// store keeps one mark per mailbox: every UID below it has been claimed by
// some session. A session claims [mark, upTo) for the UIDs it has seen
// below upTo, and the claim moves the mark in one transaction of the
// mailbox's shard, so two sessions can never claim the same UID.
//
// The mark does not change the mailbox's modseq and makes no event: it is
// session state that only sessions read, and losing its last move in a
// crash makes messages recent again, which is harmless.

var keyRecentUID = []byte("recentuid") // u32: UIDs below it are no longer \Recent

// readRecentUID returns a mailbox's mark; a mailbox that never had one has
// all its messages recent (UIDs start at 1).
func readRecentUID(b *bolt.Bucket) uint32 {
	v := b.Get(keyRecentUID)
	if len(v) != 4 {
		return 1
	}
	return binary.BigEndian.Uint32(v)
}

// RecentUID is the mailbox's mark: messages with a UID from it on are
// claimed by no session yet.
func (s *Store) RecentUID(mb *Mailbox) (uint32, error) {
	var mark uint32
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		mark = readRecentUID(b)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recent mark of %s: %w", mb.Name, err)
	}
	return mark, nil
}

// recentMarks keeps in memory, per mailbox unique id, a value the mark
// has reached on disk: when a thousand sessions idle on one mailbox, the
// first to see a new message claims it and the others learn here, without
// a read transaction each, that nothing is left. The value only grows, as
// the mark does, and is set after the commit that wrote it, so it never
// runs ahead of the disk.
type recentMarks struct{ m sync.Map } // string → *atomic.Uint32

// atLeast reports whether the mark of id is known to be upTo or more.
func (r *recentMarks) atLeast(id string, upTo uint32) bool {
	v, ok := r.m.Load(id)
	return ok && v.(*atomic.Uint32).Load() >= upTo
}

// learn records that the mark of id has reached mark.
func (r *recentMarks) learn(id string, mark uint32) {
	v, ok := r.m.Load(id)
	if !ok {
		v, _ = r.m.LoadOrStore(id, new(atomic.Uint32))
	}
	a := v.(*atomic.Uint32)
	for {
		cur := a.Load()
		if cur >= mark || a.CompareAndSwap(cur, mark) {
			return
		}
	}
}

// ClaimRecent claims for the caller the UIDs from the mailbox's mark up to
// (not including) upTo, and moves the mark to upTo: the caller's session
// alone shows them \Recent. It returns the claimed range [from, to), empty
// (from == to) when another session was first. The common case, nothing
// left to claim, costs no transaction once the mark is known in memory,
// else a read transaction, and no commit.
func (s *Store) ClaimRecent(mb *Mailbox, upTo uint32) (from, to uint32, err error) {
	if s.recent.atLeast(mb.UniqueID, upTo) {
		return upTo, upTo, nil
	}
	mark, err := s.RecentUID(mb)
	if err != nil {
		return 0, 0, err
	}
	s.recent.learn(mb.UniqueID, mark)
	if mark >= upTo {
		return upTo, upTo, nil
	}
	r, err := updateMailbox(s, mb, func(u *mailboxUpdate) ([2]uint32, error) {
		mark := readRecentUID(u.index)
		if mark >= upTo {
			return [2]uint32{upTo, upTo}, nil
		}
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], upTo)
		if err := u.index.Put(keyRecentUID, v[:]); err != nil {
			return [2]uint32{}, err
		}
		return [2]uint32{mark, upTo}, nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("claim recent in %s: %w", mb.Name, err)
	}
	s.recent.learn(mb.UniqueID, upTo)
	return r[0], r[1], nil
}

// UnclaimedRecent counts the messages no session has claimed yet: what
// STATUS (RECENT) and EXAMINE report (RFC 3501 §6.3.10, §6.3.2). Its
// cost follows the number of unclaimed messages.
func (s *Store) UnclaimedRecent(mb *Mailbox) (mark, n uint32, err error) {
	err = s.viewIndex(mb, func(b *bolt.Bucket) error {
		mark = readRecentUID(b)
		c := b.Bucket(bucketMessages).Cursor()
		for k, _ := c.Seek(uidKey(mark)); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("recent in %s: %w", mb.Name, err)
	}
	return mark, n, nil
}

// ClaimRecent is Store.ClaimRecent for a mailbox the actor may read (r):
// a session claims \Recent only on messages it may see.
func (a Actor) ClaimRecent(mb *Mailbox, upTo uint32) (from, to uint32, err error) {
	if _, err := a.check(mb, RightRead); err != nil {
		return 0, 0, err
	}
	return a.s.ClaimRecent(mb, upTo)
}

// UnclaimedRecent is Store.UnclaimedRecent for a mailbox the actor may
// read (r).
func (a Actor) UnclaimedRecent(mb *Mailbox) (mark, n uint32, err error) {
	if _, err := a.check(mb, RightRead); err != nil {
		return 0, 0, err
	}
	return a.s.UnclaimedRecent(mb)
}
