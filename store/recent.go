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
// below upTo; the claim moves the mark in memory, under the mailbox's
// lock, so two sessions can never claim the same UID, and the mark
// reaches the mailbox's index after (recentclaim.go).
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
// claimed by no session yet. A claim this process made may still be on
// its way to disk (recentclaim.go): the mark is the higher of the two.
func (s *Store) RecentUID(mb *Mailbox) (uint32, error) {
	var mark uint32
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		mark = readRecentUID(b)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recent mark of %s: %w", mb.Name, err)
	}
	return max(mark, s.recent.claimed(mb.UniqueID)), nil
}

// UnclaimedRecent counts the messages no session has claimed yet: what
// STATUS (RECENT) and EXAMINE report (RFC 3501 §6.3.10, §6.3.2). Its
// cost follows the number of unclaimed messages.
func (s *Store) UnclaimedRecent(mb *Mailbox) (mark, n uint32, err error) {
	claimed := s.recent.claimed(mb.UniqueID)
	err = s.viewIndex(mb, func(b *bolt.Bucket) error {
		mark = max(readRecentUID(b), claimed)
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
// a session claims \Recent only on messages it may see. An empty claim
// gives nothing away, so when the mark is known to be past upTo it is
// answered before the rights check, which a thousand sessions woken by
// one delivery would otherwise each pay for.
func (a Actor) ClaimRecent(mb *Mailbox, upTo uint32) (from, to uint32, err error) {
	if a.s.recent.claimed(mb.UniqueID) >= upTo {
		return upTo, upTo, nil
	}
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
