package store

// The index part's reads: a mailbox's counters, its messages, and what
// changed since a modseq. The writes are one file per operation (deliver.go,
// copy.go, expunge.go, flagstore.go), all through updateMailbox (update.go).

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Snapshot is a consistent view of a mailbox index at one moment: its
// counters and every message in UID order.
type Snapshot struct {
	State    MailboxState
	Messages []Message
}

// Snapshot reads a mailbox's whole index in one read transaction (SELECT).
func (s *Store) Snapshot(mb *Mailbox) (*Snapshot, error) {
	snap := &Snapshot{}
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		st, err := readState(b)
		if err != nil {
			return err
		}
		snap.State = *st
		snap.Messages = make([]Message, 0, st.Exists)
		return b.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			snap.Messages = append(snap.Messages, Message{})
			if err := decodeMessageInto(v, &snap.Messages[len(snap.Messages)-1]); err != nil {
				return fmt.Errorf("uid %x: %w", k, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", mb.Name, err)
	}
	return snap, nil
}

// FlagState is what a selected IMAP session keeps of each message.
type FlagState struct {
	UID    uint32
	ModSeq uint64
	Flags  []string
}

// FlagStates reads, in one read transaction, a mailbox's counters and the
// UID, modseq and flags of every message, for SELECT: the rest of each
// record is skipped, not decoded, which halves SELECT of 100,000 messages.
func (s *Store) FlagStates(mb *Mailbox) (MailboxState, []FlagState, error) {
	var st MailboxState
	var out []FlagState
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		state, err := readState(b)
		if err != nil {
			return err
		}
		st = *state
		out = make([]FlagState, 0, st.Exists)
		return b.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			out = append(out, FlagState{})
			if err := decodeFlagState(v, &out[len(out)-1]); err != nil {
				if len(k) != 4 {
					return fmt.Errorf("uid key %x: %w", k, err)
				}
				// One damaged record must not close the whole mailbox:
				// the message stays listed, without flags, and reading
				// it fails on its own (chapar check names it).
				uid := binary.BigEndian.Uint32(k)
				s.log.Error("damaged index record", "mailbox", mb.Name, "uid", uid, "err", err)
				out[len(out)-1] = FlagState{UID: uid}
			}
			return nil
		})
	})
	if err != nil {
		return MailboxState{}, nil, fmt.Errorf("flags of %s: %w", mb.Name, err)
	}
	return st, out, nil
}

// ForEachMessage streams the index from UID from upward, stopping when fn
// returns false. It reads no bodies.
func (s *Store) ForEachMessage(mb *Mailbox, from uint32, fn func(*Message) bool) error {
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		c := b.Bucket(bucketMessages).Cursor()
		for k, v := c.Seek(uidKey(from)); k != nil; k, v = c.Next() {
			m, err := decodeMessage(v)
			if err != nil {
				return fmt.Errorf("uid %x: %w", k, err)
			}
			if !fn(m) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", mb.Name, err)
	}
	return nil
}

// GetMessage reads one index entry.
func (s *Store) GetMessage(mb *Mailbox, uid uint32) (*Message, error) {
	var m *Message
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		v := b.Bucket(bucketMessages).Get(uidKey(uid))
		if v == nil {
			return ErrNoMessage
		}
		var err error
		m, err = decodeMessage(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s uid %d: %w", mb.Name, uid, err)
	}
	return m, nil
}

// Status returns the counters of a mailbox's index.
func (s *Store) Status(mb *Mailbox) (*MailboxState, error) {
	var st *MailboxState
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		var err error
		st, err = readState(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("status %s: %w", mb.Name, err)
	}
	return st, nil
}

// Changes is what happened in a mailbox after a modseq.
type Changes struct {
	State MailboxState
	// Changed holds every message added or whose flags changed since, in
	// modseq order, oldest first.
	Changed []Message
	// Expunged holds the UIDs removed, in expunge order.
	Expunged []uint32
}

// ChangesSince reads the messages changed and the UIDs expunged after
// modseq, in one read transaction. Its cost follows the number of changes,
// not the size of the mailbox.
func (s *Store) ChangesSince(mb *Mailbox, modseq uint64) (*Changes, error) {
	ch := &Changes{}
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		st, err := readState(b)
		if err != nil {
			return err
		}
		ch.State = *st
		if st.HighestModSeq <= modseq {
			return nil
		}
		from := modseqKey(modseq+1, 0)
		msgs := b.Bucket(bucketMessages)
		if bm := b.Bucket(bucketByModSeq); bm != nil {
			c := bm.Cursor()
			for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
				uid := binary.BigEndian.Uint32(k[8:])
				v := msgs.Get(uidKey(uid))
				if v == nil {
					continue
				}
				m, err := decodeMessage(v)
				if err != nil {
					return fmt.Errorf("uid %d: %w", uid, err)
				}
				ch.Changed = append(ch.Changed, *m)
			}
		}
		if ex := b.Bucket(bucketExpunged); ex != nil {
			c := ex.Cursor()
			for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
				ch.Expunged = append(ch.Expunged, binary.BigEndian.Uint32(k[8:]))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changes in %s: %w", mb.Name, err)
	}
	return ch, nil
}
