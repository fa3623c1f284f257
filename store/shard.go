package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A shard is one bbolt file holding the indexes of the mailboxes assigned to
// it, the records of applied deliveries, and its own event outbox. Keeping
// all three in one file makes a delivery, its idempotency record and its
// event one transaction.
type shard struct {
	id     int
	db     *bolt.DB
	commit *committer
}

var (
	// bucketIndexes holds one sub-bucket per mailbox, keyed by unique id:
	// the mailbox's index. On disk it is called "mailboxes", like the
	// mailbox list of mailboxes.db (bucketMboxList); the Go name differs
	// so that the two are not confused, and the disk name stays because
	// every existing shard file holds it (renaming it would need a
	// migration for no gain: the two live in different files).
	bucketIndexes = []byte("mailboxes")
	bucketApplied = []byte("applied") // delivery key → uid record
	bucketOutbox  = []byte("outbox")  // seq → event
	// duplicate-suppression key → unix time, owner (see DuplicateMark)
	bucketDuplicates = []byte("duplicates")
	keyState         = []byte("state")
	bucketMessages   = []byte("messages") // uid → message record
	bucketExpunged   = []byte("expunged") // modseq+uid of each expunge (QRESYNC); see index.go
)

func openShard(path string, id int, noSync bool, onCommit func(time.Duration, int)) (*shard, error) {
	db, err := openBolt(path, noSync)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketIndexes, bucketApplied, bucketOutbox, bucketDuplicates} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &shard{id: id, db: db, commit: newCommitter(db, onCommit)}, nil
}

func (sh *shard) close() error {
	sh.commit.stop()
	<-sh.commit.exited
	return sh.db.Close()
}

// mailboxBucket returns the bucket of the mailbox with the given unique id.
func mailboxBucket(tx *bolt.Tx, uniqueID string) *bolt.Bucket {
	return tx.Bucket(bucketIndexes).Bucket([]byte(uniqueID))
}

func readState(mb *bolt.Bucket) (*MailboxState, error) {
	v := mb.Get(keyState)
	if v == nil {
		return nil, errors.New("mailbox index has no state")
	}
	return decodeState(v)
}

func writeState(mb *bolt.Bucket, st *MailboxState) error {
	return mb.Put(keyState, encodeState(st))
}

// viewIndex runs fn on a mailbox's index bucket in a read transaction, or
// fails with ErrNoMailbox when the index is gone.
func (s *Store) viewIndex(mb *Mailbox, fn func(b *bolt.Bucket) error) error {
	return s.shards[mb.Shard].db.View(func(tx *bolt.Tx) error {
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil {
			return ErrNoMailbox
		}
		return fn(b)
	})
}
