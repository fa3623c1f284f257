package store

// Delayed expunge (Cyrus's expunge_mode: delayed): an expunge removes
// messages from the index exactly as an immediate one does (sessions see
// EXPUNGE or VANISHED, the counters and the quota usage drop), and keeps
// each record, with the time of the expunge, in the mailbox's kept bucket.
// The body stays referenced by the kept record, so unexpunge can bring the
// message back and compaction must not reclaim it; expire (cyr_expire -X)
// drops the kept records for good, after which the body is unreferenced
// unless another record names it.
//
// Cyrus counts expunged-but-kept messages against no quota (its
// quota_mailbox_used leaves out records flagged EXPUNGED), and neither
// does chapar: a user who expunges gets the room back at once, and an
// unexpunge charges the usage again without checking the limit, as
// Cyrus's unexpunge does.

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketKept is the per-mailbox bucket of expunged records kept under
// expunge_mode: delayed: old uid u32 → the message record as it was
// (record.go), then expunged-at u64 (unix ns). The record comes first and
// whole, so that whatever reads body references from index records (the
// body collector, which walks every bucket of an index) reads a kept one
// as any other, at the same offsets, and may move its body in place.
var bucketKept = []byte("kept")

// ExpungedMessage is a message expunged under expunge_mode: delayed and
// kept: its record as it was when expunged, with its old UID.
type ExpungedMessage struct {
	Message
	Expunged time.Time
}

func encodeKept(m *Message, at time.Time) []byte {
	return binary.BigEndian.AppendUint64(encodeMessage(m), uint64(at.UnixNano()))
}

func decodeKept(v []byte) (ExpungedMessage, error) {
	var e ExpungedMessage
	if len(v) < 8 {
		return e, errCorrupt
	}
	e.Expunged = keptTime(v)
	if err := decodeMessageInto(v[:len(v)-8], &e.Message); err != nil {
		return e, err
	}
	return e, nil
}

// keptTime reads when a kept record was expunged, without decoding it.
func keptTime(v []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[len(v)-8:])))
}

// keepExpunged writes the records of messages just removed into the kept
// bucket, stamped with the time of the expunge.
func (u *mailboxUpdate) keepExpunged(doomed []*Message) error {
	kept, err := u.index.CreateBucketIfNotExists(bucketKept)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, m := range doomed {
		if err := kept.Put(uidKey(m.UID), encodeKept(m, now)); err != nil {
			return err
		}
	}
	return nil
}

// Expunged lists a mailbox's expunged-but-kept messages by old UID.
func (s *Store) Expunged(mb *Mailbox) ([]ExpungedMessage, error) {
	var out []ExpungedMessage
	err := s.viewIndex(mb, func(b *bolt.Bucket) error {
		kept := b.Bucket(bucketKept)
		if kept == nil {
			return nil
		}
		return kept.ForEach(func(k, v []byte) error {
			e, err := decodeKept(v)
			if err != nil {
				return fmt.Errorf("kept uid %x: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("expunged of %s: %w", mb.Name, err)
	}
	return out, nil
}

// UnexpungeOptions selects the kept messages Unexpunge restores and how.
type UnexpungeOptions struct {
	// UIDs are the old UIDs to restore; nil restores every kept message.
	UIDs []uint32
	// Since, when set, restores only what was expunged at or after it
	// (Cyrus's unexpunge -t).
	Since time.Time
	// ClearDeleted takes \Deleted off the restored messages (-d).
	ClearDeleted bool
	// AddFlag, when set, is a keyword added to each restored message (-f).
	AddFlag string
}

// Restored is one message unexpunge brought back.
type Restored struct {
	OldUID uint32 `json:"old_uid"`
	UID    uint32 `json:"uid"`
}

// Unexpunge brings kept messages back into the mailbox, as Cyrus's
// unexpunge does: under new UIDs (the old ones were announced as gone and
// must never come back, RFC 9051 §2.3.1.1) in the order of their old UIDs,
// with their flags, internal dates and bodies, under one new modseq and
// one MessageAppend event, so open sessions see them arrive. Their usage
// counts against the quota again, without a limit check.
func (s *Store) Unexpunge(mb *Mailbox, opts UnexpungeOptions) ([]Restored, error) {
	want := map[uint32]bool{}
	for _, uid := range opts.UIDs {
		want[uid] = true
	}
	restored, err := updateMailbox(s, mb, func(u *mailboxUpdate) ([]Restored, error) {
		kept := u.index.Bucket(bucketKept)
		if kept == nil {
			return nil, nil
		}
		var picked []ExpungedMessage
		err := kept.ForEach(func(k, v []byte) error {
			e, err := decodeKept(v)
			if err != nil {
				return fmt.Errorf("kept uid %x: %w", k, err)
			}
			if opts.UIDs != nil && !want[e.UID] {
				return nil
			}
			if !opts.Since.IsZero() && e.Expunged.Before(opts.Since) {
				return nil
			}
			picked = append(picked, e)
			return nil
		})
		if err != nil || len(picked) == 0 {
			return nil, err
		}
		modseq := u.nextModSeq()
		out := make([]Restored, 0, len(picked))
		uids := make([]uint32, 0, len(picked))
		var size int64
		for _, e := range picked {
			if err := kept.Delete(uidKey(e.UID)); err != nil {
				return nil, err
			}
			m := e.Message
			m.Flags = slices.Clone(m.Flags)
			if opts.ClearDeleted {
				m.Flags = slices.DeleteFunc(m.Flags, func(f string) bool { return f == FlagDeleted })
			}
			if opts.AddFlag != "" && !hasFlag(m.Flags, opts.AddFlag) {
				m.Flags = append(m.Flags, opts.AddFlag)
			}
			m.ModSeq = modseq
			if err := u.add(&m); err != nil {
				return nil, err
			}
			out = append(out, Restored{OldUID: e.UID, UID: m.UID})
			uids = append(uids, m.UID)
			size += m.Size
		}
		ev := u.event(MessageAppend, "unexpunge")
		ev.UIDs, ev.Size = uids, size
		return out, u.emit(&ev)
	})
	if err != nil {
		return nil, fmt.Errorf("unexpunge %s: %w", mb.Name, err)
	}
	return restored, nil
}

// ExpireExpunged removes for good the kept records of a mailbox expunged
// before cutoff (cyr_expire -X), and returns how many went. Their bodies
// are then unreferenced unless another record names them, and compaction
// may reclaim them.
func (s *Store) ExpireExpunged(mb *Mailbox, cutoff time.Time) (int, error) {
	n, err := updateMailbox(s, mb, func(u *mailboxUpdate) (int, error) {
		kept := u.index.Bucket(bucketKept)
		if kept == nil {
			return 0, nil
		}
		var old [][]byte
		err := kept.ForEach(func(k, v []byte) error {
			if len(v) < 8 {
				return fmt.Errorf("kept uid %x: %w", k, errCorrupt)
			}
			if keptTime(v).Before(cutoff) {
				old = append(old, k)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, k := range old {
			if err := kept.Delete(k); err != nil {
				return 0, err
			}
		}
		return len(old), nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire expunged of %s: %w", mb.Name, err)
	}
	return n, nil
}

// forEachKept calls fn with every kept record of a mailbox's index b, in
// old UID order. A record fn changes and returns true for is written back
// after the walk (bbolt takes no writes to a bucket it is walking), which
// needs a write transaction: this is how body compaction moves the body
// references of kept records along with those of live ones. A record that
// does not decode is handed to bad, when bad is not nil, and skipped.
func forEachKept(b *bolt.Bucket, fn func(e *ExpungedMessage) (bool, error), bad func(k []byte, err error)) error {
	kept := b.Bucket(bucketKept)
	if kept == nil {
		return nil
	}
	var changed []ExpungedMessage
	err := kept.ForEach(func(k, v []byte) error {
		e, err := decodeKept(v)
		if err != nil {
			if bad != nil {
				bad(k, err)
				return nil
			}
			return fmt.Errorf("kept uid %x: %w", k, err)
		}
		rewrite, err := fn(&e)
		if err != nil {
			return err
		}
		if rewrite {
			changed = append(changed, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range changed {
		if err := kept.Put(uidKey(changed[i].UID), encodeKept(&changed[i].Message, changed[i].Expunged)); err != nil {
			return err
		}
	}
	return nil
}
