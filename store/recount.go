package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// recount makes a mailbox's counters agree with its message records, the
// records being the truth: they are what FETCH and SEARCH show. UIDNEXT and
// HIGHESTMODSEQ only ever rise (RFC 9051 §2.3.1.1, RFC 7162 §3.1.1: a
// client that saw a value must never see a smaller one). The modseq index
// is rebuilt from the records when it has drifted. The index's UIDVALIDITY
// follows the list's, which is what SELECT announces.
func (s *Store) recount(mb *Mailbox, report func(string, ...any)) error {
	if mb.Shard < 0 || mb.Shard >= len(s.shards) {
		return nil // Check reports it; moving an index between shards is not a repair
	}
	var fixed []string
	err := s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		fixed = fixed[:0]
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil || b.Bucket(bucketMessages) == nil {
			return nil
		}
		old := MailboxState{}
		if st, err := readState(b); err == nil {
			old = *st
		}
		st := old
		st.Exists, st.Size, st.Unseen, st.Deleted = 0, 0, 0, 0
		var keys [][]byte // modseq index keys the records call for
		err := b.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			m, err := decodeMessage(v)
			if err != nil {
				return nil // Check reports it; a guess would be worse
			}
			st.Exists++
			st.Size += m.Size
			if !hasFlag(m.Flags, FlagSeen) {
				st.Unseen++
			}
			if hasFlag(m.Flags, FlagDeleted) {
				st.Deleted++
			}
			st.UIDNext = max(st.UIDNext, m.UID+1)
			st.HighestModSeq = max(st.HighestModSeq, m.ModSeq)
			keys = append(keys, modseqKey(m.ModSeq, m.UID))
			return nil
		})
		if err != nil {
			return err
		}
		st.UIDNext = max(st.UIDNext, 1)
		st.HighestModSeq = max(st.HighestModSeq, 1)
		st.UIDValidity = mb.UIDValidity
		if st != old {
			fixed = append(fixed, fmt.Sprintf("counters exists=%d size=%d unseen=%d deleted=%d uidnext=%d highestmodseq=%d uidvalidity=%d, now %d/%d/%d/%d/%d/%d/%d",
				old.Exists, old.Size, old.Unseen, old.Deleted, old.UIDNext, old.HighestModSeq, old.UIDValidity,
				st.Exists, st.Size, st.Unseen, st.Deleted, st.UIDNext, st.HighestModSeq, st.UIDValidity))
			if err := writeState(b, &st); err != nil {
				return err
			}
		}
		rebuilt, err := rebuildModSeqIndex(b, keys)
		if err != nil {
			return err
		}
		if rebuilt {
			fixed = append(fixed, fmt.Sprintf("modseq index rebuilt for %d messages", len(keys)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("repair: mailbox %s: recount: %w", mb.Name, err)
	}
	for _, f := range fixed {
		report("mailbox %s: %s", mb.Name, f)
	}
	return nil
}

// rebuildModSeqIndex replaces the modseq index by keys when it holds
// anything else, and reports whether it did.
func rebuildModSeqIndex(b *bolt.Bucket, keys [][]byte) (bool, error) {
	bm := b.Bucket(bucketByModSeq)
	if bm != nil && countKeys(bm) == len(keys) {
		same := true
		for _, k := range keys {
			if bm.Get(k) == nil {
				same = false
				break
			}
		}
		if same {
			return false, nil
		}
	}
	if bm != nil {
		if err := b.DeleteBucket(bucketByModSeq); err != nil {
			return false, err
		}
	}
	bm, err := b.CreateBucket(bucketByModSeq)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if err := bm.Put(k, nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

// countKeys counts a bucket's keys by walking them: Bucket.Stats reads
// only committed pages, and a repair transaction may have written some.
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
