package store

import (
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// ExpungedSince returns the UIDs expunged from mb after modseq, ascending,
// for QRESYNC's VANISHED (EARLIER) (RFC 7162 §3.2.5.1, §3.2.6). It reads
// the mailbox's expunged bucket from modseq on, so its cost follows the
// number of expunges since then, not the size of the mailbox. The bucket
// is never pruned, so the answer is exact however old modseq is.
func (s *Store) ExpungedSince(mb *Mailbox, modseq uint64) ([]uint32, error) {
	var uids []uint32
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		ex := b.Bucket(bucketExpunged)
		if ex == nil {
			return nil
		}
		c := ex.Cursor()
		for k, _ := c.Seek(modseqKey(modseq+1, 0)); k != nil; k, _ = c.Next() {
			if len(k) != 12 {
				return fmt.Errorf("%w: expunge key %x", errCorrupt, k)
			}
			uids = append(uids, binary.BigEndian.Uint32(k[8:]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expunged in %s: %w", mb.Name, err)
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}
