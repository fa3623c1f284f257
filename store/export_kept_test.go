package store

import bolt "go.etcd.io/bbolt"

// BreakKeptBody points a kept record's body at a segment that does not
// exist: a reference compaction forgot to move.
func (s *Store) BreakKeptBody(mb *Mailbox, uid uint32) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		return forEachKept(mailboxBucket(tx, mb.UniqueID), func(e *ExpungedMessage) (bool, error) {
			if e.UID != uid {
				return false, nil
			}
			e.Seg = 9999
			return true, nil
		}, nil)
	})
}
