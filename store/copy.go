package store

import "fmt"

// CopyResult pairs source and destination UIDs, for COPYUID (RFC 4315).
type CopyResult struct {
	UIDValidity uint32 // of the destination
	SrcUIDs     []uint32
	DstUIDs     []uint32
}

// Copy copies messages to another mailbox, keeping flags and internal dates.
func (s *Store) Copy(src *Mailbox, uids []uint32, dst *Mailbox) (*CopyResult, error) {
	return s.transfer(src, uids, dst, false)
}

// Move moves messages (RFC 6851). Within one user's mailboxes it is one
// transaction; across shards the copy commits before the removal, so a crash
// in between leaves the message in both mailboxes rather than in neither.
func (s *Store) Move(src *Mailbox, uids []uint32, dst *Mailbox) (*CopyResult, error) {
	return s.transfer(src, uids, dst, true)
}

func (s *Store) transfer(src *Mailbox, uids []uint32, dst *Mailbox, move bool) (*CopyResult, error) {
	op := "copy"
	if move {
		op = "move"
	}
	var msgs []*Message
	want := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		want[u] = true
	}
	err := s.ForEachMessage(src, 0, func(m *Message) bool {
		if want[m.UID] {
			msgs = append(msgs, m)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", op, src.Name, err)
	}
	res := &CopyResult{UIDValidity: dst.UIDValidity}
	if len(msgs) == 0 {
		return res, nil
	}
	if err := s.checkTransferQuota(src, dst, msgs, move); err != nil {
		return nil, fmt.Errorf("%s to %s: %w", op, dst.Name, err)
	}
	// Another partition needs its own copy of each body.
	var placed map[uint32]*PlacedBody
	var last uint64
	if src.Partition != dst.Partition {
		placed = make(map[uint32]*PlacedBody, len(msgs))
		for _, m := range msgs {
			body, err := s.ReadBody(src, m)
			if err != nil {
				return nil, fmt.Errorf("%s %s uid %d: %w", op, src.Name, m.UID, err)
			}
			sb, err := s.placeBody(dst.Partition, body, nil, frameMeta{Mailbox: dst.UniqueID, Date: m.InternalDate, Flags: m.Flags})
			if err != nil {
				return nil, fmt.Errorf("%s to %s: %w", op, dst.Name, err)
			}
			placed[m.UID] = sb
			defer s.releaseBody(sb)
			last = sb.seq
		}
		if err := s.syncBodies(dst.Partition, last); err != nil {
			return nil, fmt.Errorf("%s to %s: %w", op, dst.Name, err)
		}
	}
	recs := make([]Message, len(msgs))
	for i, sm := range msgs {
		recs[i] = *sm
		if sb, ok := placed[sm.UID]; ok {
			recs[i].Seg, recs[i].Off = sb.loc.Seg, sb.loc.Off
		}
		res.SrcUIDs = append(res.SrcUIDs, sm.UID)
	}
	if src.Partition == dst.Partition {
		// The bodies are shared: a reference frame tells reconstruct of
		// each new placement. It is not synced here (see appendRef).
		held, err := s.placeRefs(dst.Partition, dst.UniqueID, recs)
		if err != nil {
			return nil, fmt.Errorf("%s to %s: %w", op, dst.Name, err)
		}
		defer s.releaseSegs(dst.Partition, held)
	}
	insert := func(u *mailboxUpdate) ([]uint32, error) {
		added, err := u.insert(recs)
		if err != nil {
			return nil, err
		}
		uids := make([]uint32, len(added))
		for i, m := range added {
			uids[i] = m.UID
		}
		return uids, nil
	}
	remove := func(u *mailboxUpdate) ([]uint32, error) {
		// Only what is still there: a concurrent expunge may have won.
		var present []*Message
		for _, m := range msgs {
			if u.has(m.UID) {
				present = append(present, m)
			}
		}
		return u.expunge(present, "imapd")
	}
	switch {
	case !move:
		res.DstUIDs, err = updateMailbox(s, dst, insert)
	case src.Shard == dst.Shard:
		res.DstUIDs, err = updateMailbox(s, dst, func(u *mailboxUpdate) ([]uint32, error) {
			from, err := u.also(src)
			if err != nil {
				return nil, err
			}
			uids, err := insert(u)
			if err != nil {
				return nil, err
			}
			_, err = remove(from)
			return uids, err
		})
	default:
		if res.DstUIDs, err = updateMailbox(s, dst, insert); err == nil {
			_, err = updateMailbox(s, src, remove)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s to %s: %w", op, src.Name, dst.Name, err)
	}
	return res, nil
}

// checkTransferQuota refuses a COPY or MOVE that does not fit in the
// destination's quota root (RFC 9208 §5.1: the copy fails as a whole, NO
// [OVERQUOTA]). A MOVE within one root changes no usage and always fits.
func (s *Store) checkTransferQuota(src, dst *Mailbox, msgs []*Message, move bool) error {
	dstRoot, _, ok := s.quota.rootOf(dst.Name)
	if !ok {
		return nil
	}
	if srcRoot, _, ok := s.quota.rootOf(src.Name); move && ok && srcRoot == dstRoot {
		return nil
	}
	var size int64
	for _, m := range msgs {
		size += m.Size
	}
	return s.CheckQuota(dst.Name, size, int64(len(msgs)), true)
}
