package store

import (
	"encoding/binary"
	"fmt"

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

// ClaimRecent claims for the caller the UIDs from the mailbox's mark up to
// (not including) upTo, and moves the mark to upTo: the caller's session
// alone shows them \Recent. It returns the claimed range [from, to), empty
// (from == to) when another session was first. The common case, nothing
// left to claim, costs a read transaction and no commit.
func (s *Store) ClaimRecent(mb *Mailbox, upTo uint32) (from, to uint32, err error) {
	mark, err := s.RecentUID(mb)
	if err != nil {
		return 0, 0, err
	}
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
