package store

// Maintenance: the store check (chapar check) and the pruning of the
// records that only exist to be forgotten later (applied deliveries,
// duplicate-suppression marks).

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Check verifies the store's invariants and returns every inconsistency
// found (none means healthy): each listed mailbox has an index whose
// counters match its messages, UIDs lie below UIDNEXT, modseqs do not exceed
// HIGHESTMODSEQ, and every body an index names is on its partition. Indexes
// no mailbox names (left by a crash during create or delete) are reported
// as orphans; they hold no visible mail, and Repair removes them.
func (s *Store) Check() ([]string, error) {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	listed := map[string]Mailbox{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMboxList).ForEach(func(k, v []byte) error {
			var mb Mailbox
			if err := json.Unmarshal(v, &mb); err != nil {
				report("mailbox %s: undecodable list entry: %v", k, err)
				return nil
			}
			listed[mb.UniqueID] = mb
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, sh := range s.shards {
		err := sh.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIndexes).ForEachBucket(func(id []byte) error {
				mb, ok := listed[string(id)]
				if !ok {
					report("shard %d: orphan index %s", sh.id, id)
					return nil
				}
				seen[string(id)] = true
				if mb.Shard != sh.id {
					report("mailbox %s: listed in shard %d, index in shard %d", mb.Name, mb.Shard, sh.id)
				}
				s.checkIndex(&mb, mailboxBucket(tx, string(id)), report)
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
	}
	for id, mb := range listed {
		if !seen[id] {
			report("mailbox %s: no index", mb.Name)
		}
	}
	if err := s.checkQuotas(report); err != nil {
		return nil, err
	}
	return problems, nil
}

func (s *Store) checkIndex(mb *Mailbox, b *bolt.Bucket, report func(string, ...any)) {
	st, err := readState(b)
	if err != nil {
		report("mailbox %s: %v", mb.Name, err)
		return
	}
	var count, unseen, deleted uint32
	var size int64
	bodies := s.bodies[mb.Partition]
	b.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
		m, err := decodeMessage(v)
		if err != nil {
			report("mailbox %s: uid %s: %v", mb.Name, keyUID(k), err)
			return nil
		}
		count++
		size += m.Size
		if !hasFlag(m.Flags, FlagSeen) {
			unseen++
		}
		if hasFlag(m.Flags, FlagDeleted) {
			deleted++
		}
		if m.UID >= st.UIDNext {
			report("mailbox %s: uid %d not below uidnext %d", mb.Name, m.UID, st.UIDNext)
		}
		if m.ModSeq > st.HighestModSeq {
			report("mailbox %s: uid %d modseq %d above highestmodseq %d", mb.Name, m.UID, m.ModSeq, st.HighestModSeq)
		}
		if bodies == nil {
			report("mailbox %s: partition %s is not configured", mb.Name, mb.Partition)
		} else if size, err := bodies.size(m.Seg); err != nil || m.Off+m.Size > size {
			report("mailbox %s: uid %d: body %s (segment %d, %d+%d) missing on partition %s",
				mb.Name, m.UID, m.Body, m.Seg, m.Off, m.Size, mb.Partition)
		}
		return nil
	})
	s.checkKept(mb, b, st, bodies, report)
	if bm := b.Bucket(bucketByModSeq); bm != nil && bm.Stats().KeyN != int(count) {
		report("mailbox %s: modseq index holds %d entries for %d messages", mb.Name, bm.Stats().KeyN, count)
	}
	if count != st.Exists || size != st.Size || unseen != st.Unseen || deleted != st.Deleted {
		report("mailbox %s: counters say exists=%d size=%d unseen=%d deleted=%d, index holds %d/%d/%d/%d",
			mb.Name, st.Exists, st.Size, st.Unseen, st.Deleted, count, size, unseen, deleted)
	}
	if st.UIDValidity != mb.UIDValidity {
		report("mailbox %s: uidvalidity %d in list, %d in index", mb.Name, mb.UIDValidity, st.UIDValidity)
	}
}

// PruneApplied forgets idempotency records older than age. A job can only be
// replayed while the pipeline still holds it, so age must exceed how long a
// job may wait unacknowledged.
func (s *Store) PruneApplied(age time.Duration) (int, error) {
	return s.pruneByTime(bucketApplied, age)
}

// PruneDuplicates forgets duplicate-suppression marks older than age
// (duplicate_expire); DuplicateMark's callers check the age themselves, so
// pruning only reclaims space.
func (s *Store) PruneDuplicates(age time.Duration) (int, error) {
	return s.pruneByTime(bucketDuplicates, age)
}

// pruneByTime deletes, in every shard, the entries of a bucket whose value
// starts with a unix time older than age.
func (s *Store) pruneByTime(bucket []byte, age time.Duration) (int, error) {
	cut := uint64(time.Now().Add(-age).Unix())
	total := 0
	for _, sh := range s.shards {
		var old [][]byte
		err := sh.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
				if len(v) >= 8 && binary.BigEndian.Uint64(v) < cut {
					old = append(old, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err != nil {
			return total, err
		}
		if len(old) == 0 {
			continue
		}
		err = sh.commit.do(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(old)
	}
	return total, nil
}

// checkKept checks the records expunge_mode: delayed keeps (delayed.go):
// each decodes, lies below UIDNEXT, is no longer in the mailbox, and its
// body is still on the partition, since unexpunge may bring it back.
func (s *Store) checkKept(mb *Mailbox, b *bolt.Bucket, st *MailboxState, bodies *segments, report func(string, ...any)) {
	msgs := b.Bucket(bucketMessages)
	forEachKept(b, func(e *ExpungedMessage) (bool, error) {
		if e.UID >= st.UIDNext {
			report("mailbox %s: kept uid %d not below uidnext %d", mb.Name, e.UID, st.UIDNext)
		}
		if msgs.Get(uidKey(e.UID)) != nil {
			report("mailbox %s: uid %d both in the mailbox and kept as expunged", mb.Name, e.UID)
		}
		if bodies == nil {
			return false, nil
		}
		if size, err := bodies.size(e.Seg); err != nil || e.Off+e.Size > size {
			report("mailbox %s: kept uid %d: body %s (segment %d, %d+%d) missing on partition %s",
				mb.Name, e.UID, e.Body, e.Seg, e.Off, e.Size, mb.Partition)
		}
		return false, nil
	}, func(k []byte, err error) {
		report("mailbox %s: kept uid %x: %v", mb.Name, k, err)
	})
}

// keyUID names the UID a messages key encodes, in decimal as IMAP and
// the rest of the check's report name it (hex when the key is not a UID).
func keyUID(k []byte) string {
	if len(k) != 4 {
		return fmt.Sprintf("key %x", k)
	}
	return fmt.Sprint(binary.BigEndian.Uint32(k))
}
