package store

import (
	"errors"
	"fmt"
	"time"
)

// Replace puts a new message into dst and removes message uid from src,
// for IMAP REPLACE (RFC 8508), with which a client saves a new version of
// a draft. The old message goes only when the new one is in: within one
// shard (one user's mailboxes, or src itself) both happen in one
// transaction; across shards the new message commits first, so a crash
// between the two leaves both rather than neither, as MOVE does. A source
// message already gone is ErrNoMessage and nothing is written.
func (s *Store) Replace(src *Mailbox, uid uint32, dst *Mailbox, nm NewMessage) (Delivered, error) {
	old, err := s.GetMessage(src, uid)
	if err != nil {
		return Delivered{}, fmt.Errorf("replace: %w", err)
	}
	if err := s.checkReplaceQuota(src, dst, old, int64(len(nm.Body))); err != nil {
		return Delivered{}, fmt.Errorf("replace into %s: %w", dst.Name, err)
	}
	rec := Message{
		InternalDate: nm.InternalDate, Size: int64(len(nm.Body)), Flags: normalizeFlags(nm.Flags),
		HeaderSize: headerSize(nm.Body), MessageID: nm.MessageID,
	}
	if rec.InternalDate.IsZero() {
		rec.InternalDate = time.Now()
	}
	body, err := s.placeBody(dst.Partition, nm.Body, nil, frameMeta{Mailbox: dst.UniqueID, Date: rec.InternalDate, Flags: rec.Flags})
	if err != nil {
		return Delivered{}, fmt.Errorf("replace into %s: %w", dst.Name, err)
	}
	defer s.releaseBody(body)
	if err := s.syncBodies(dst.Partition, body.seq); err != nil {
		return Delivered{}, fmt.Errorf("replace into %s: %w", dst.Name, err)
	}
	rec.Body, rec.Seg, rec.Off = body.hash, body.loc.Seg, body.loc.Off
	insert := func(u *mailboxUpdate) (Delivered, error) {
		added, err := u.insert([]Message{rec})
		if err != nil {
			return Delivered{}, err
		}
		return Delivered{Mailbox: dst, UID: added[0].UID, UIDValidity: dst.UIDValidity, ModSeq: added[0].ModSeq, Body: body}, nil
	}
	remove := func(u *mailboxUpdate) error {
		m, err := u.message(uid)
		if err != nil {
			return err
		}
		if m == nil {
			return fmt.Errorf("%s uid %d: %w", src.Name, uid, ErrNoMessage)
		}
		_, err = u.expunge([]*Message{m}, "imapd")
		return err
	}
	var out Delivered
	if src.Shard == dst.Shard {
		out, err = updateMailbox(s, dst, func(u *mailboxUpdate) (Delivered, error) {
			from, err := u.also(src)
			if err != nil {
				return Delivered{}, err
			}
			if !from.has(uid) {
				return Delivered{}, fmt.Errorf("%s uid %d: %w", src.Name, uid, ErrNoMessage)
			}
			d, err := insert(u)
			if err != nil {
				return Delivered{}, err
			}
			return d, remove(from)
		})
	} else if out, err = updateMailbox(s, dst, insert); err == nil {
		_, err = updateMailbox(s, src, func(u *mailboxUpdate) (struct{}, error) {
			// Gone meanwhile (another session's expunge won): the
			// replacement stands all the same.
			if err := remove(u); err != nil && !errors.Is(err, ErrNoMessage) {
				return struct{}{}, err
			}
			return struct{}{}, nil
		})
	}
	if err != nil {
		return Delivered{}, fmt.Errorf("replace %s uid %d into %s: %w", src.Name, uid, dst.Name, err)
	}
	return out, nil
}

// checkReplaceQuota refuses a replacement that does not fit in dst's
// quota root (RFC 8508 §3.3 with RFC 9208 §5.1). When the old message
// counts towards the same root, the replacement is charged only for what
// it adds, so that saving a draft again does not fail for a quota the
// old draft's removal would have freed.
func (s *Store) checkReplaceQuota(src, dst *Mailbox, old *Message, size int64) error {
	dstRoot, _, ok := s.quota.rootOf(dst.Name)
	if !ok {
		return nil
	}
	if srcRoot, _, ok := s.quota.rootOf(src.Name); ok && srcRoot == dstRoot {
		return s.CheckQuota(dst.Name, max(0, size-old.Size), 0, true)
	}
	return s.CheckQuota(dst.Name, size, 1, true)
}
