package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketSent holds, per outbound message id, when the outbound worker
// sent it. The worker checks it before sending and writes it right after,
// so a message whose JetStream acknowledgement was lost (a crash, a bus
// that went away) is not sent a second time when it comes again. Marks
// outlive the outbound stream's retries and are pruned after that.
var bucketSent = []byte("outbound-sent")

// OutboundSent reports whether the outbound message id was sent.
func (s *Store) OutboundSent(id string) (bool, error) {
	sent := false
	err := s.meta.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSent)
		sent = b != nil && b.Get([]byte(id)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("outbound mark %s: %w", id, err)
	}
	return sent, nil
}

// MarkOutboundSent records that the outbound message id was sent at now.
func (s *Store) MarkOutboundSent(id string, now time.Time) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSent)
		if err != nil {
			return err
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(now.UnixNano()))
		return b.Put([]byte(id), v[:])
	})
	if err != nil {
		return fmt.Errorf("outbound mark %s: %w", id, err)
	}
	return nil
}

// PruneOutboundSent forgets marks made before cutoff; it returns how many
// went.
func (s *Store) PruneOutboundSent(cutoff time.Time) (int, error) {
	var old [][]byte
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSent)
		if b == nil {
			return nil
		}
		err := b.ForEach(func(k, v []byte) error {
			if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune outbound marks: %w", err)
	}
	return len(old), nil
}
