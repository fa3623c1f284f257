package store

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SetQuota makes an existing mailbox a quota root with the given limits,
// or changes a root's limits; limits with no resource limited remove the
// root (RFC 9208 §4.1.4: SETQUOTA with an empty list), and its mailboxes
// count towards the root above it again. A new root's usage, and that of
// the root it takes mailboxes from, are counted afresh (as Cyrus's
// setquota does). A QuotaChange event records the change.
func (s *Store) SetQuota(root string, l QuotaLimits) error {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	mb, err := s.GetMailbox(root)
	if err != nil {
		return fmt.Errorf("set quota: %w", err)
	}
	old, existed := s.quota.get(root)
	if l.None() && !existed {
		return nil
	}
	e := quotaEntry{QuotaLimits: l, ID: mb.UniqueID}
	if existed {
		e.ID = old.ID // a root renamed keeps the usage it had
	}
	var usage QuotaUsage
	if existed {
		if usage, err = s.quotaUsage(e.ID); err != nil {
			return fmt.Errorf("set quota %s: %w", root, err)
		}
	}
	err = s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQuota)
		if l.None() {
			if err := b.Delete([]byte(root)); err != nil {
				return err
			}
		} else {
			v, err := json.Marshal(&e)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(root), v); err != nil {
				return err
			}
		}
		ev := quotaEvent(QuotaChange, Quota{Root: root, Limits: l, Usage: usage}, e.ID)
		return appendEvent(tx, &ev)
	})
	if err != nil {
		return fmt.Errorf("set quota %s: %w", root, err)
	}
	s.outbox.notify()
	if existed && !l.None() {
		s.quota.set(root, e)
		return nil
	}
	// The set of roots changed: the mailboxes below root now count
	// towards another root, and both are counted again.
	parent, _, hadParent := s.quota.rootOf(root)
	if l.None() {
		s.quota.remove(root)
		parent, _, hadParent = s.quota.rootOf(root)
		if err := s.clearUsage(e.ID); err != nil {
			return fmt.Errorf("set quota %s: %w", root, err)
		}
	} else {
		s.quota.set(root, e)
		if _, err := s.recountRoot(root, e); err != nil {
			return fmt.Errorf("set quota %s: %w", root, err)
		}
	}
	if hadParent && parent != root {
		pe, _ := s.quota.get(parent)
		if _, err := s.recountRoot(parent, pe); err != nil {
			return fmt.Errorf("set quota %s: recount %s: %w", root, parent, err)
		}
	}
	return nil
}

// RecountQuota counts a root's usage again from its mailboxes' counters
// and stores it, as Cyrus's `quota -f` does; it returns the root as
// counted.
func (s *Store) RecountQuota(root string) (Quota, error) {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	e, ok := s.quota.get(root)
	if !ok {
		return Quota{}, fmt.Errorf("recount quota %s: %w", root, ErrNoQuotaRoot)
	}
	u, err := s.recountRoot(root, e)
	if err != nil {
		return Quota{}, fmt.Errorf("recount quota %s: %w", root, err)
	}
	return Quota{Root: root, Limits: e.QuotaLimits, Usage: u}, nil
}

// recountRoot sums the counters of the mailboxes whose nearest root is
// root, shard by shard, each in a transaction of that shard's committer:
// a delivery commits either before the sum (and is in the counters) or
// after (and moves the usage written here). The caller holds metaMu, so
// that no mailbox is created, deleted or renamed meanwhile.
func (s *Store) recountRoot(root string, e quotaEntry) (QuotaUsage, error) {
	list, err := s.ListMailboxes(root)
	if err != nil {
		return QuotaUsage{}, err
	}
	byShard := make([][]string, len(s.shards))
	for _, mb := range list {
		if r, _, ok := s.quota.rootOf(mb.Name); !ok || r != root || mb.Shard < 0 || mb.Shard >= len(s.shards) {
			continue
		}
		byShard[mb.Shard] = append(byShard[mb.Shard], mb.UniqueID)
	}
	var total QuotaUsage
	for i, sh := range s.shards {
		var sum QuotaUsage
		err := sh.commit.do(func(tx *bolt.Tx) error {
			sum = QuotaUsage{}
			for _, id := range byShard[i] {
				b := mailboxBucket(tx, id)
				if b == nil {
					continue
				}
				st, err := readState(b)
				if err != nil {
					return fmt.Errorf("mailbox %s: %w", id, err)
				}
				sum.StorageBytes += st.Size
				sum.Messages += int64(st.Exists)
			}
			return writeUsage(tx, e.ID, sum)
		})
		if err != nil {
			return QuotaUsage{}, err
		}
		total.StorageBytes += sum.StorageBytes
		total.Messages += sum.Messages
	}
	return total, nil
}

// clearUsage drops a removed root's usage from every shard.
func (s *Store) clearUsage(id string) error {
	var errs []error
	for _, sh := range s.shards {
		errs = append(errs, sh.commit.do(func(tx *bolt.Tx) error { return writeUsage(tx, id, QuotaUsage{}) }))
	}
	return errors.Join(errs...)
}

func (q *quotaRoots) set(root string, e quotaEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roots[root] = e
}

func (q *quotaRoots) remove(root string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.roots, root)
}
