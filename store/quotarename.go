package store

import (
	bolt "go.etcd.io/bbolt"
)

// renamedMailbox is one mailbox a RENAME moved.
type renamedMailbox struct {
	old, new string
	mb       Mailbox
}

// renameQuotaRoots moves the roots among the renamed mailboxes to their
// new names, in the rename's transaction of mailboxes.db. Their usage is
// keyed by unique id and stays.
func renameQuotaRoots(tx *bolt.Tx, renamed []renamedMailbox) error {
	b := tx.Bucket(bucketQuota)
	for _, r := range renamed {
		v := b.Get([]byte(r.old))
		if v == nil {
			continue
		}
		v = append([]byte(nil), v...)
		if err := b.Delete([]byte(r.old)); err != nil {
			return err
		}
		if err := b.Put([]byte(r.new), v); err != nil {
			return err
		}
	}
	return nil
}

// moveQuotaUsage follows a committed rename: the cache learns the roots'
// new names, and a mailbox that now counts towards another root takes its
// counters from the old root's usage to the new one's, in a transaction of
// its shard. The list and the shards are two files, so a crash between the
// rename and this step leaves the usage with the old root until `chapar
// quota -f` counts again. The caller holds metaMu.
func (s *Store) moveQuotaUsage(renamed []renamedMailbox) {
	type leg struct {
		oldRoot, newRoot string
		oldE, newE       quotaEntry
		oldOK, newOK     bool
	}
	legs := make([]leg, len(renamed))
	for i, r := range renamed {
		legs[i].oldRoot, legs[i].oldE, legs[i].oldOK = s.quota.rootOf(r.old)
	}
	for _, r := range renamed {
		if e, ok := s.quota.get(r.old); ok {
			s.quota.remove(r.old)
			s.quota.set(r.new, e)
		}
	}
	events := 0
	for i, r := range renamed {
		l := &legs[i]
		l.newRoot, l.newE, l.newOK = s.quota.rootOf(r.new)
		if l.oldOK == l.newOK && l.oldE.ID == l.newE.ID {
			continue
		}
		err := s.shards[r.mb.Shard].commit.do(func(tx *bolt.Tx) error {
			b := mailboxBucket(tx, r.mb.UniqueID)
			if b == nil {
				return nil
			}
			st, err := readState(b)
			if err != nil {
				return err
			}
			n := 0
			if l.oldOK {
				k, err := addUsage(tx, l.oldRoot, l.oldE, QuotaUsage{StorageBytes: -st.Size, Messages: -int64(st.Exists)})
				if err != nil {
					return err
				}
				n += k
			}
			if l.newOK {
				k, err := addUsage(tx, l.newRoot, l.newE, QuotaUsage{StorageBytes: st.Size, Messages: int64(st.Exists)})
				if err != nil {
					return err
				}
				n += k
			}
			events = n
			return nil
		})
		if err != nil {
			s.log.Warn("rename: quota usage not moved; chapar quota -f counts it again", "mailbox", r.new, "err", err)
		}
		if events > 0 {
			s.outbox.notify()
		}
	}
}
