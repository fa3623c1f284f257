package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// quotaDrift compares, shard by shard and each in one read transaction
// (so that a delivery in between cannot look like drift), the usage kept
// for root with the counters of the mailboxes that count towards it. It
// returns the usage kept and the usage counted, summed over the shards,
// and whether any shard differs.
func (s *Store) quotaDrift(root string, e quotaEntry) (kept, counted QuotaUsage, drift bool, err error) {
	list, err := s.ListMailboxes(root)
	if err != nil {
		return kept, counted, false, err
	}
	byShard := make([][]string, len(s.shards))
	for _, mb := range list {
		if r, _, ok := s.quota.rootOf(mb.Name); ok && r == root && mb.Shard >= 0 && mb.Shard < len(s.shards) {
			byShard[mb.Shard] = append(byShard[mb.Shard], mb.UniqueID)
		}
	}
	for i, sh := range s.shards {
		err := sh.db.View(func(tx *bolt.Tx) error {
			k := readUsage(tx, e.ID)
			var c QuotaUsage
			for _, id := range byShard[i] {
				b := mailboxBucket(tx, id)
				if b == nil {
					continue
				}
				st, err := readState(b)
				if err != nil {
					continue // Check reports the mailbox itself
				}
				c.StorageBytes += st.Size
				c.Messages += int64(st.Exists)
			}
			drift = drift || k != c
			kept.StorageBytes += k.StorageBytes
			kept.Messages += k.Messages
			counted.StorageBytes += c.StorageBytes
			counted.Messages += c.Messages
			return nil
		})
		if err != nil {
			return kept, counted, drift, err
		}
	}
	return kept, counted, drift, nil
}

// checkQuotas reports every root whose kept usage differs from its
// mailboxes' counters (Check).
func (s *Store) checkQuotas(report func(string, ...any)) error {
	for _, root := range s.quota.names() {
		e, ok := s.quota.get(root)
		if !ok {
			continue
		}
		kept, counted, drift, err := s.quotaDrift(root, e)
		if err != nil {
			return fmt.Errorf("quota root %s: %w", root, err)
		}
		if drift {
			report("quota root %s: usage kept %d bytes, %d messages; its mailboxes hold %d bytes, %d messages",
				root, kept.StorageBytes, kept.Messages, counted.StorageBytes, counted.Messages)
		}
	}
	return nil
}

// repairQuotas counts again every root that drifted (Repair, after the
// mailboxes' own counters are right). The caller holds metaMu.
func (s *Store) repairQuotas(report func(string, ...any)) error {
	for _, root := range s.quota.names() {
		e, ok := s.quota.get(root)
		if !ok {
			continue
		}
		_, _, drift, err := s.quotaDrift(root, e)
		if err != nil {
			return fmt.Errorf("quota root %s: %w", root, err)
		}
		if !drift {
			continue
		}
		u, err := s.recountRoot(root, e)
		if err != nil {
			return fmt.Errorf("quota root %s: %w", root, err)
		}
		report("quota root %s: usage counted again: %d bytes, %d messages", root, u.StorageBytes, u.Messages)
	}
	return nil
}
