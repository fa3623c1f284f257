package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The applied-delivery records make Deliver idempotent: a delivery with a
// key (the job id and recipient) writes, in its own transaction, key →
// unix time (8 bytes) + UID (4 bytes) into its shard's "applied" bucket,
// and a replay of the key finds it and writes nothing. The time lets
// PruneApplied forget records once no job can be replayed any more.

// appliedUID returns the UID a delivery with key was given, if one was
// applied; an empty key never was.
func appliedUID(tx *bolt.Tx, key string) (uint32, bool) {
	if key == "" {
		return 0, false
	}
	v := tx.Bucket(bucketApplied).Get([]byte(key))
	if len(v) < 12 {
		return 0, false
	}
	return binary.BigEndian.Uint32(v[8:12]), true
}

// recordApplied remembers that the delivery with key was given uid; an
// empty key records nothing (APPEND, which a client repeats on purpose).
func recordApplied(tx *bolt.Tx, key string, uid uint32) error {
	if key == "" {
		return nil
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 12), uint64(time.Now().Unix()))
	v = binary.BigEndian.AppendUint32(v, uid)
	return tx.Bucket(bucketApplied).Put([]byte(key), v)
}

// Applied reports whether a delivery with key was applied (and its record
// not yet pruned). The record lies in the shard of the mailbox it went to,
// which a caller asking after the fact may not know (INBOX or a folder, a
// user's or a shared one), so every shard is asked; there are few.
func (s *Store) Applied(key string) (bool, error) {
	for _, sh := range s.shards {
		var found bool
		err := sh.db.View(func(tx *bolt.Tx) error {
			_, found = appliedUID(tx, key)
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("applied %s: %w", key, err)
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}
