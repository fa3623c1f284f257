package store

// Repair: chapar check --repair. It fixes what Check finds and a crash can
// leave behind, and says what it did; what it cannot fix without losing or
// inventing mail (an undecodable record, a body missing from its segment,
// an index in the wrong shard) it leaves for Check to go on reporting.

import (
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Repair fixes the store's repairable inconsistencies and returns one line
// per repair. It holds the mailbox-list lock throughout, so that a CREATE
// or DELETE running beside it (over the admin socket the server is live)
// cannot look like the half-done operation a crash leaves; each index is
// recounted in one write transaction of its shard, so that deliveries
// running beside it are either counted or not, never half.
func (s *Store) Repair() ([]string, error) {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	var done []string
	report := func(format string, args ...any) { done = append(done, fmt.Sprintf(format, args...)) }
	listed, err := s.listedByID()
	if err != nil {
		return done, fmt.Errorf("repair: %w", err)
	}
	indexed := map[string]bool{}
	for _, sh := range s.shards {
		var orphans []string
		err := sh.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIndexes).ForEachBucket(func(id []byte) error {
				if _, ok := listed[string(id)]; ok {
					indexed[string(id)] = true
				} else {
					orphans = append(orphans, string(id))
				}
				return nil
			})
		})
		if err != nil {
			return done, fmt.Errorf("repair: shard %d: %w", sh.id, err)
		}
		if err := s.dropOrphans(sh, orphans, report); err != nil {
			return done, err
		}
	}
	ids := make([]string, 0, len(listed))
	for id := range listed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		mb := listed[id]
		if !indexed[id] {
			if err := s.recreateIndex(&mb, report); err != nil {
				return done, err
			}
			continue
		}
		if err := s.recount(&mb, report); err != nil {
			return done, err
		}
	}
	s.mboxes.forgetAll()
	if err := s.repairQuotas(report); err != nil {
		return done, fmt.Errorf("repair: %w", err)
	}
	return done, nil
}

// listedByID reads the mailbox list, by unique id; undecodable entries are
// skipped (Check reports them; repairing one would mean guessing).
func (s *Store) listedByID() (map[string]Mailbox, error) {
	listed := map[string]Mailbox{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMboxList).ForEach(func(k, v []byte) error {
			var mb Mailbox
			if json.Unmarshal(v, &mb) == nil {
				listed[mb.UniqueID] = mb
			}
			return nil
		})
	})
	return listed, err
}

// dropOrphans removes indexes no mailbox names. CREATE writes the index
// before the list entry and DELETE removes the list entry before the index,
// so an orphan is either a CREATE that never answered OK (an empty index
// nobody could have delivered to, since delivery finds mailboxes through
// the list) or a DELETE that answered OK, or would have, once the index was
// gone. Neither can be finished the other way: the index does not hold the
// mailbox's name, and a deleted mailbox must stay deleted. So both are
// removed. An orphan holding messages can only be a deleted mailbox; its
// bodies go to the body collector like any deleted mailbox's.
func (s *Store) dropOrphans(sh *shard, orphans []string, report func(string, ...any)) error {
	for _, id := range orphans {
		var held int
		err := sh.commit.do(func(tx *bolt.Tx) error {
			b := mailboxBucket(tx, id)
			if b == nil {
				return nil
			}
			if msgs := b.Bucket(bucketMessages); msgs != nil {
				held = countKeys(msgs)
			}
			return tx.Bucket(bucketIndexes).DeleteBucket([]byte(id))
		})
		if err != nil {
			return fmt.Errorf("repair: shard %d: remove orphan index %s: %w", sh.id, id, err)
		}
		report("shard %d: removed orphan index %s (%d message records of a deleted or never-created mailbox)", sh.id, id, held)
	}
	return nil
}

// recreateIndex gives a listed mailbox whose index is gone an empty one.
// The order of CREATE and DELETE never leaves this state; a lost shard file
// does. The mailbox gets a new UIDVALIDITY, in the list and the index: its
// old UIDs are unknown, and RFC 9051 §2.3.1.1 forbids reusing a UID under
// the same UIDVALIDITY, so clients must drop what they cached.
func (s *Store) recreateIndex(mb *Mailbox, report func(string, ...any)) error {
	var uidValidity uint32
	err := s.meta.Update(func(tx *bolt.Tx) error {
		var err error
		if uidValidity, err = nextUIDValidity(tx); err != nil {
			return err
		}
		mb.UIDValidity = uidValidity
		v, err := json.Marshal(mb)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMboxList).Put([]byte(mb.Name), v)
	})
	if err != nil {
		return fmt.Errorf("repair: mailbox %s: new uidvalidity: %w", mb.Name, err)
	}
	if mb.Shard < 0 || mb.Shard >= len(s.shards) {
		return fmt.Errorf("repair: mailbox %s: listed in shard %d of %d", mb.Name, mb.Shard, len(s.shards))
	}
	err = s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		return createIndex(tx, mb.UniqueID, uidValidity)
	})
	if err != nil {
		return fmt.Errorf("repair: mailbox %s: create index: %w", mb.Name, err)
	}
	report("mailbox %s: had no index; created an empty one with new uidvalidity %d", mb.Name, uidValidity)
	return nil
}

// createIndex makes a mailbox's empty index bucket, as CREATE does.
func createIndex(tx *bolt.Tx, uniqueID string, uidValidity uint32) error {
	b, err := tx.Bucket(bucketIndexes).CreateBucket([]byte(uniqueID))
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bucketMessages, bucketExpunged, bucketByModSeq} {
		if _, err := b.CreateBucket(name); err != nil {
			return err
		}
	}
	return writeState(b, &MailboxState{UIDValidity: uidValidity, UIDNext: 1, HighestModSeq: 1})
}
