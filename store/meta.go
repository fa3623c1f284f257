package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// mailboxes.db holds the mailbox list, users and the store's own settings.
var (
	bucketMeta  = []byte("meta")
	bucketUsers = []byte("users")
	// bucketMboxList is the mailbox list; a shard's bucketIndexes has the
	// same name on disk (see shard.go).
	bucketMboxList = []byte("mailboxes")
	keyShards      = []byte("shards")
	keyUIDValidity = []byte("uidvalidity")
)

// initMeta creates the buckets and returns the shard count the store was
// created with (a reopened store keeps its count whatever the options say).
func (s *Store) initMeta(want int) (int, error) {
	n := want
	err := s.meta.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketUsers, bucketMboxList, bucketOutbox} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		mb := tx.Bucket(bucketMeta)
		if v := mb.Get(keyShards); v != nil {
			n = int(binary.BigEndian.Uint32(v))
			return nil
		}
		return mb.Put(keyShards, binary.BigEndian.AppendUint32(nil, uint32(want)))
	})
	if err != nil {
		return 0, fmt.Errorf("store: init mailboxes.db: %w", err)
	}
	if n != want {
		s.log.Info("store keeps the shard count it was created with", "shards", n, "configured", want)
	}
	return n, nil
}

// nextUIDValidity hands out a UIDVALIDITY that never repeats in this store,
// even for a mailbox deleted and created again within the same second
// (RFC 9051 §2.3.1.1).
func nextUIDValidity(tx *bolt.Tx) (uint32, error) {
	mb := tx.Bucket(bucketMeta)
	next := uint32(time.Now().Unix())
	if v := mb.Get(keyUIDValidity); v != nil {
		if last := binary.BigEndian.Uint32(v); next <= last {
			next = last + 1
		}
	}
	return next, mb.Put(keyUIDValidity, binary.BigEndian.AppendUint32(nil, next))
}
