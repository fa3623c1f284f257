package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Expunge removes messages flagged \Deleted. With uids non-nil only those
// among them are removed (UID EXPUNGE, RFC 4315); with nil, all of them.
// It returns the removed UIDs in ascending order.
func (s *Store) Expunge(mb *Mailbox, uids []uint32) ([]uint32, error) {
	var only map[uint32]bool
	if uids != nil {
		only = make(map[uint32]bool, len(uids))
		for _, u := range uids {
			only[u] = true
		}
	}
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
		err = msgs.ForEach(func(k, v []byte) error {
			m, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if hasFlag(m.Flags, FlagDeleted) && (only == nil || only[m.UID]) {
				doomed = append(doomed, m)
			}
			return nil
		})
		if err != nil || len(doomed) == 0 {
			return err
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
