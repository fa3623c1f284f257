package store

import bolt "go.etcd.io/bbolt"

// BreakKeptBody points a kept record's body at a segment that does not
// exist: a reference compaction forgot to move.
func (s *Store) BreakKeptBody(mb *Mailbox, uid uint32) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		kept := mailboxBucket(tx, mb.UniqueID).Bucket(bucketKept)
		e, err := decodeKept(kept.Get(uidKey(uid)))
		if err != nil {
			return err
		}
		e.Seg = 9999
		return kept.Put(uidKey(uid), encodeKept(&e.Message, e.Expunged))
	})
}
