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

// PruneDuplicates forgets duplicate-suppression marks older than age
// (duplicate_expire); DuplicateMark's callers check the age themselves, so
// pruning only reclaims space.
func (s *Store) PruneDuplicates(age time.Duration) (int, error) {
	return s.pruneByTime(bucketDuplicates, age)
}

// pruneByTime deletes, in every shard, the entries of a bucket whose value
// starts with a unix time older than age.
func (s *Store) pruneByTime(bucket []byte, age time.Duration) (int, error) {
	cut := uint64(time.Now().Add(-age).Unix())
	total := 0
	for _, sh := range s.shards {
		var old [][]byte
		err := sh.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
				if len(v) >= 8 && binary.BigEndian.Uint64(v) < cut {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err != nil {
			return total, err
		}
		if len(old) == 0 {
			continue
		}
		err = sh.commit.do(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(old)
	}
	return total, nil
}
