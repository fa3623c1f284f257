package store

import bolt "go.etcd.io/bbolt"

// For the tests of package store_test: the bcrypt work Authenticate does,
// and the broken states the repair tests start from.

// BcryptCompares is how many password comparisons s has run.
func (s *Store) BcryptCompares() uint64 { return s.bcrypt.compares.Load() }

// SetBcryptHook makes f run inside a concurrency slot before every
// comparison.
func (s *Store) SetBcryptHook(f func()) { s.bcrypt.hook.Store(&f) }

// The states a crash or a bug leaves, fabricated for the repair tests.

// AddOrphanIndex creates, in shard 0, an index no mailbox names, holding
// messages copied from mb's records: a DELETE cut between its two steps.
func (s *Store) AddOrphanIndex(mb *Mailbox) (string, error) {
	id := newUniqueID()
	err := s.shards[0].commit.do(func(tx *bolt.Tx) error {
		if err := createIndex(tx, id, 1); err != nil {
			return err
		}
		src := mailboxBucket(tx, mb.UniqueID)
		if src == nil {
			return nil
		}
		dst := mailboxBucket(tx, id).Bucket(bucketMessages)
		return src.Bucket(bucketMessages).ForEach(func(k, v []byte) error { return dst.Put(k, v) })
	})
	return id, err
}

// DropIndex removes a listed mailbox's index, as a lost shard would.
func (s *Store) DropIndex(mb *Mailbox) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIndexes).DeleteBucket([]byte(mb.UniqueID))
	})
}

// SetState overwrites a mailbox's counters with what f makes of them.
func (s *Store) SetState(mb *Mailbox, f func(*MailboxState)) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		b := mailboxBucket(tx, mb.UniqueID)
		st, err := readState(b)
		if err != nil {
			return err
		}
		f(st)
		return writeState(b, st)
	})
}

// DropModSeqIndex empties a mailbox's modseq index.
func (s *Store) DropModSeqIndex(mb *Mailbox) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		b := mailboxBucket(tx, mb.UniqueID)
		if err := b.DeleteBucket(bucketByModSeq); err != nil {
			return err
		}
		_, err := b.CreateBucket(bucketByModSeq)
		return err
	})
}

// SkewQuotaUsage adds delta to a root's usage in shard 0, as a bug that
// moved usage without the counters would.
func (s *Store) SkewQuotaUsage(root string, delta QuotaUsage) error {
	e, ok := s.quota.get(root)
	if !ok {
		return ErrNoQuotaRoot
	}
	return s.shards[0].commit.do(func(tx *bolt.Tx) error {
		_, err := addUsage(tx, root, e, delta)
		return err
	})
}

// FramedBodyBytes sums the lengths of the bodies the frames of a segment's
// bytes hold; bytes that are not frames (a segment written before
// framing) count whole.
func FramedBodyBytes(data []byte) int64 {
	var total int64
	for p := 0; p < len(data); {
		if data[p] == 0 {
			p++
			continue
		}
		fr, err := decodeFrame(data[p:])
		if err != nil {
			return total + int64(len(data)-p)
		}
		p += fr.HdrLen
		if fr.Kind == frameBody {
			total += fr.BodyLen
			p += int(fr.BodyLen)
		}
	}
	return total
}

// DropRecords deletes messages' records from a mailbox's index and
// nothing else (counters, modseq index), as a damaged index would.
func (s *Store) DropRecords(mb *Mailbox, uids ...uint32) error {
	return s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		msgs := mailboxBucket(tx, mb.UniqueID).Bucket(bucketMessages)
		for _, uid := range uids {
			if err := msgs.Delete(uidKey(uid)); err != nil {
				return err
			}
		}
		return nil
	})
}
