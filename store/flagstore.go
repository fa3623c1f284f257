package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// FlagChange asks to change the flags of some messages (IMAP STORE).
type FlagChange struct {
	UIDs  []uint32
	Op    FlagOp
	Flags []string
	// UnchangedSince, when non-zero, leaves alone every message whose
	// modseq is above it (RFC 7162 §3.1.3); those are reported in Failed.
	UnchangedSince uint64
}

// FlagResult reports a STORE: the messages whose flags changed (with their
// new flags and modseq) and those UNCHANGEDSINCE kept.
type FlagResult struct {
	Changed []Message
	Failed  []uint32
}

// StoreFlags changes flags, giving every changed message a new modseq, and
// emits FlagsSet and/or FlagsClear. UIDs that are not in the mailbox are
// ignored, as STORE does for expunged messages.
func (s *Store) StoreFlags(mb *Mailbox, fc FlagChange) (*FlagResult, error) {
	res := &FlagResult{}
	flags := normalizeFlags(fc.Flags)
	err := s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		res.Changed, res.Failed = nil, nil
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil {
			return ErrNoMailbox
		}
		st, err := readState(b)
		if err != nil {
			return err
		}
		msgs := b.Bucket(bucketMessages)
		var set, clear []uint32
		var setFlags, clearFlags []string
		for _, uid := range fc.UIDs {
			v := msgs.Get(uidKey(uid))
			if v == nil {
				continue
			}
			m, err := decodeMessage(v)
			if err != nil {
				return err
			}
			if fc.UnchangedSince != 0 && m.ModSeq > fc.UnchangedSince {
				res.Failed = append(res.Failed, uid)
				continue
			}
			next, changed := applyFlags(m.Flags, fc.Op, flags)
			if !changed {
				continue
			}
			added, removed := diffFlags(m.Flags, next)
			if len(added) > 0 {
				set = append(set, uid)
				setFlags = mergeFlags(setFlags, added)
			}
			if len(removed) > 0 {
				clear = append(clear, uid)
				clearFlags = mergeFlags(clearFlags, removed)
			}
			countDelta(st, m.Flags, next)
			st.HighestModSeq++
			old := m.ModSeq
			m.Flags, m.ModSeq = next, st.HighestModSeq
			if err := putMessage(b, m, old); err != nil {
				return err
			}
			res.Changed = append(res.Changed, *m)
		}
		if len(res.Changed) == 0 {
			return nil
		}
		if err := writeState(b, st); err != nil {
			return err
		}
		base := Event{Service: "imapd", Mailbox: mb.Name, MailboxID: mb.UniqueID, UIDValidity: st.UIDValidity,
			UIDNext: st.UIDNext, ModSeq: st.HighestModSeq, Messages: st.Exists, Unseen: st.Unseen}
		if len(set) > 0 {
			ev := base
			ev.Type, ev.UIDs, ev.Flags = FlagsSet, set, setFlags
			if err := appendEvent(tx, &ev); err != nil {
				return err
			}
		}
		if len(clear) > 0 {
			ev := base
			ev.Type, ev.UIDs, ev.Flags = FlagsClear, clear, clearFlags
			if err := appendEvent(tx, &ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store flags in %s: %w", mb.Name, err)
	}
	if len(res.Changed) > 0 {
		s.outbox.notify()
	}
	return res, nil
}

func diffFlags(old, next []string) (added, removed []string) {
	for _, f := range next {
		if !hasFlag(old, f) {
			added = append(added, f)
		}
	}
	for _, f := range old {
		if !hasFlag(next, f) {
			removed = append(removed, f)
		}
	}
	return added, removed
}

func mergeFlags(into, more []string) []string {
	for _, f := range more {
		if !hasFlag(into, f) {
			into = append(into, f)
		}
	}
	return into
}
