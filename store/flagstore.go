package store

import (
	"fmt"
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
// emits MessageTrash, MessageRead, FlagsSet and FlagsClear (flagevents.go). UIDs that are not in the mailbox are
// ignored, as STORE does for expunged messages.
func (s *Store) StoreFlags(mb *Mailbox, fc FlagChange) (*FlagResult, error) {
	flags := normalizeFlags(fc.Flags)
	res, err := updateMailbox(s, mb, func(u *mailboxUpdate) (*FlagResult, error) {
		res := &FlagResult{}
		var ev flagEvents
		for _, uid := range fc.UIDs {
			m, err := u.message(uid)
			if err != nil {
				return nil, err
			}
			if m == nil {
				continue
			}
			if fc.UnchangedSince != 0 && m.ModSeq > fc.UnchangedSince {
				res.Failed = append(res.Failed, uid)
				continue
			}
			next, changed := applyFlags(m.Flags, fc.Op, flags)
			if !changed {
				continue
			}
			ev.add(uid, m.Flags, next)
			countDelta(u.state, m.Flags, next)
			old := m.ModSeq
			m.Flags, m.ModSeq = next, u.nextModSeq()
			if err := u.rewrite(m, old); err != nil {
				return nil, err
			}
			res.Changed = append(res.Changed, *m)
		}
		if err := ev.emit(u); err != nil {
			return nil, err
		}
		return res, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store flags in %s: %w", mb.Name, err)
	}
	return res, nil
}

// diffFlags lists the flags next has that old lacks, and those it lost.
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
