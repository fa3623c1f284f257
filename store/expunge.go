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
	gone, err := updateMailbox(s, mb, func(u *mailboxUpdate) ([]uint32, error) {
		if u.state.Deleted == 0 {
			return nil, nil
		}
		var doomed []*Message
		for _, uid := range candidates {
			m, err := u.message(uid)
			if err != nil {
				return nil, err
			}
			if m != nil && hasFlag(m.Flags, FlagDeleted) {
				doomed = append(doomed, m)
			}
		}
		return u.expunge(doomed, "imapd")
	})
	if err != nil {
		return nil, fmt.Errorf("expunge %s: %w", mb.Name, err)
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

// expunge removes messages, gives the removal one new modseq and emits one
// MessageExpunge. Under expunge_mode: delayed their records are kept,
// hidden, for unexpunge and expire (delayed.go). It returns the UIDs removed, none when doomed is empty.
func (u *mailboxUpdate) expunge(doomed []*Message, service string) ([]uint32, error) {
	if len(doomed) == 0 {
		return nil, nil
	}
	gone, err := u.remove(doomed)
	if err != nil {
		return nil, err
	}
	if u.run.keep {
		if err := u.keepExpunged(doomed); err != nil {
			return nil, err
		}
	}
	ev := u.event(MessageExpunge, service)
	ev.UIDs = gone
	return gone, u.emit(&ev)
}
