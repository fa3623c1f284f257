package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Duplicate-suppression marks live in the index shard of the mailbox they
// concern and are written in the transaction of the delivery that makes
// them (Delivery.DuplicateKey), as Cyrus's lmtpd marks its duplicate
// database right after the append: a crash cannot leave a delivered message
// unmarked, or a mark without its message, and a delivery costs no write
// besides its own commit.

func putDuplicateMark(tx *bolt.Tx, key, owner string) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(owner)), uint64(time.Now().Unix()))
	v = append(v, owner...)
	return tx.Bucket(bucketDuplicates).Put([]byte(key), v)
}

// DuplicateMark returns who made the duplicate-suppression mark key in the
// index of mailbox (an internal name), and when. found is false when there
// is no mark, or no such mailbox.
func (s *Store) DuplicateMark(mailbox, key string) (owner string, at time.Time, found bool, err error) {
	mb, err := s.GetMailbox(mailbox)
	if err != nil {
		if isNoMailbox(err) {
			return "", time.Time{}, false, nil
		}
		return "", time.Time{}, false, fmt.Errorf("duplicate mark: %w", err)
	}
	err = s.shards[mb.Shard].db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDuplicates).Get([]byte(key))
		if len(v) < 8 {
			return nil
		}
		owner, at, found = string(v[8:]), time.Unix(int64(binary.BigEndian.Uint64(v)), 0), true
		return nil
	})
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("duplicate mark: %w", err)
	}
	return owner, at, found, nil
}

// MarkDuplicate records a duplicate-suppression mark with no delivery
// beside it: for a message whose Sieve script filed it nowhere (discard,
// redirect, reject), so that a copy sent again is suppressed as well and
// does not run the script a second time.
func (s *Store) MarkDuplicate(mailbox, key, owner string) error {
	mb, err := s.GetMailbox(mailbox)
	if err != nil {
		return fmt.Errorf("duplicate mark: %w", err)
	}
	err = s.shards[mb.Shard].db.Update(func(tx *bolt.Tx) error {
		return putDuplicateMark(tx, key, owner)
	})
	if err != nil {
		return fmt.Errorf("duplicate mark in %s: %w", mailbox, err)
	}
	return nil
}
