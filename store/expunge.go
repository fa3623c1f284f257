package store

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Expunge removes messages flagged \Deleted. With uids non-nil only those
// among them are removed (UID EXPUNGE, RFC 4315); with nil, all of them.
// It returns the removed UIDs in ascending order.
//
// The write transaction looks only at candidates: the given UIDs, or for a
// plain EXPUNGE those a read transaction found flagged \Deleted, so that a
// mailbox of 100,000 messages is not scanned while every other write to
// the shard (deliveries included) waits. Each candidate is checked again
// inside the transaction.
func (s *Store) Expunge(mb *Mailbox, uids []uint32) ([]uint32, error) {
	candidates := slices.Clone(uids)
	if uids == nil {
		var err error
		if candidates, err = s.deletedUIDs(mb); err != nil {
			return nil, fmt.Errorf("expunge %s: %w", mb.Name, err)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	var gone []uint32
	err := s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		gone = nil
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil {
			return ErrNoMailbox
		}
		st, err := readState(b)
		if err != nil {
			return err
		}
		if st.Deleted == 0 {
			return nil
		}
		msgs := b.Bucket(bucketMessages)
		var doomed []*Message
		for _, uid := range candidates {
			v := msgs.Get(uidKey(uid))
			if v == nil {
				continue
			}
			m, err := decodeMessage(v)
			if err != nil {
				return fmt.Errorf("uid %d: %w", uid, err)
			}
			if hasFlag(m.Flags, FlagDeleted) {
				doomed = append(doomed, m)
			}
		}
		if len(doomed) == 0 {
			return nil
		}
		return removeMessages(tx, b, st, mb, doomed, &gone, "imapd")
	})
	if err != nil {
		return nil, fmt.Errorf("expunge %s: %w", mb.Name, err)
	}
	if len(gone) > 0 {
		s.outbox.notify()
	}
	return gone, nil
}

// deletedUIDs lists the messages flagged \Deleted, in a read transaction.
func (s *Store) deletedUIDs(mb *Mailbox) ([]uint32, error) {
	var uids []uint32
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		st, err := readState(b)
		if err != nil || st.Deleted == 0 {
			return err
		}
		return b.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			var m Message
			if err := decodeMessageInto(v, &m); err != nil {
				return fmt.Errorf("uid %x: %w", k, err)
			}
			if hasFlag(m.Flags, FlagDeleted) {
				uids = append(uids, m.UID)
			}
			return nil
		})
	})
	return uids, err
}

// removeMessages deletes index entries, remembers their expunge modseq for
// QRESYNC, updates the counters and emits one MessageExpunge.
func removeMessages(tx *bolt.Tx, b *bolt.Bucket, st *MailboxState, mb *Mailbox, doomed []*Message, gone *[]uint32, service string) error {
	st.HighestModSeq++
	for _, m := range doomed {
		if err := deleteMessage(b, m, st.HighestModSeq); err != nil {
			return err
		}
		removeFromState(st, m)
		*gone = append(*gone, m.UID)
	}
	if err := writeState(b, st); err != nil {
		return err
	}
	return appendEvent(tx, &Event{Type: MessageExpunge, Service: service, Mailbox: mb.Name, MailboxID: mb.UniqueID,
		UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, ModSeq: st.HighestModSeq, Messages: st.Exists,
		Unseen: st.Unseen, UIDs: *gone})
}
