package store

import (
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"chapar/message"

	bolt "go.etcd.io/bbolt"
)

// Reconstruct (chapar reconstruct) rebuilds a mailbox's index from the
// frames of its partition's segments (frames.go), for when the index was
// damaged or lost. Every record still readable is kept as it is (UID,
// flags, modseq). Each placement a frame records for the mailbox that no
// record accounts for becomes a message again: under UIDs from UIDNEXT on
// when the index survived, or, when it was lost, in a fresh index under a
// new UIDVALIDITY (as Cyrus does, since the old UIDs are unknown), in
// frame order. Dates and the flags given at placement come from the
// frames.
//
// Frames are never taken back, so a message expunged (or moved away)
// whose segment has not been compacted since comes back too; the report
// counts what was revived. A placement is matched to a record by the
// body's place only, so a crash in the middle of a compaction (old and
// new copy both framed) may revive a duplicate.

// ReconstructReport is what Reconstruct found and did.
type ReconstructReport struct {
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	// IndexLost: the mailbox had no index; it was re-created under a new
	// UIDVALIDITY.
	IndexLost bool `json:"index_lost,omitempty"`
	Kept      int  `json:"kept"` // records kept as they were
	// Revived counts the messages given back from the frames (with DryRun,
	// the ones that would be); RevivedUIDs are their new UIDs.
	Revived     int      `json:"revived"`
	RevivedUIDs []uint32 `json:"revived_uids,omitempty"`
	// Stale counts placements whose body is gone (compacted away since)
	// or reads back damaged; they are skipped.
	Stale  int      `json:"stale,omitempty"`
	Notes  []string `json:"notes,omitempty"`
	DryRun bool     `json:"dry_run,omitempty"`
}

// reconstructSettle bounds the wait for bodies placed but not committed.
const reconstructSettle = 30 * time.Second

// placement is one frame's placement of a body in the mailbox.
type placement struct {
	loc  bodyLoc
	meta frameMeta
	crc  uint32 // body frames: the body's CRC-32C
	ref  bool
}

// revival is a placement whose body was read and found whole.
type revival struct {
	placement
	hash       string
	headerSize int64
	messageID  string
}

type locKey struct {
	seg uint32
	off int64
}

// Reconstruct rebuilds the index of mailbox from the frames; with dryRun
// it only reports. It runs beside deliveries (through the admin socket
// when the server runs), and holds off compaction meanwhile.
func (s *Store) Reconstruct(mailbox string, dryRun bool) (ReconstructReport, error) {
	compactMu.Lock()
	defer compactMu.Unlock()
	rep := ReconstructReport{Mailbox: mailbox, DryRun: dryRun}
	cached, err := s.GetMailbox(mailbox)
	if err != nil {
		return rep, fmt.Errorf("reconstruct: %w", err)
	}
	// A copy: a new UIDVALIDITY must not reach the shared cached entry.
	mbv := *cached
	mb := &mbv
	segs, ok := s.bodies[mb.Partition]
	if !ok {
		return rep, fmt.Errorf("reconstruct %s: %w: %s", mb.Name, ErrNoPartition, mb.Partition)
	}
	found, err := s.framePlacements(segs, mb.UniqueID, &rep)
	if err != nil {
		return rep, fmt.Errorf("reconstruct %s: %w", mb.Name, err)
	}
	// A body placed before the scan but not yet committed would look
	// unrecorded: wait until every such commit has settled.
	if err := segs.quiet(reconstructSettle); err != nil {
		return rep, fmt.Errorf("reconstruct %s: %w", mb.Name, err)
	}
	lost := false
	err = s.shards[mb.Shard].db.View(func(tx *bolt.Tx) error {
		b := mailboxBucket(tx, mb.UniqueID)
		lost = b == nil
		if lost {
			return nil
		}
		missing, kept := unrecorded(b, found)
		rep.Kept = kept
		found = missing
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("reconstruct %s: %w", mb.Name, err)
	}
	revive := s.readRevivals(segs, found, &rep)
	rep.IndexLost, rep.UIDValidity = lost, mb.UIDValidity
	if dryRun {
		rep.Revived = len(revive)
		return rep, nil
	}
	if lost {
		if err := s.freshIndex(mb, &rep); err != nil {
			return rep, err
		}
	}
	uids, kept, err := s.revive(mb, revive)
	if err != nil {
		return rep, fmt.Errorf("reconstruct %s: %w", mb.Name, err)
	}
	rep.Kept, rep.RevivedUIDs, rep.Revived, rep.UIDValidity = kept, uids, len(uids), mb.UIDValidity
	note := func(format string, args ...any) { rep.Notes = append(rep.Notes, fmt.Sprintf(format, args...)) }
	if err := s.recount(mb, note); err != nil {
		return rep, err
	}
	if root, _, ok := s.quota.rootOf(mb.Name); ok {
		if _, err := s.RecountQuota(root); err != nil {
			return rep, fmt.Errorf("reconstruct %s: %w", mb.Name, err)
		}
	}
	s.log.Info("reconstruct", "mailbox", mb.Name, "kept", rep.Kept, "revived", rep.Revived,
		"index_lost", lost, "uidvalidity", mb.UIDValidity)
	return rep, nil
}

// framePlacements scans every segment of the partition, oldest first, for
// the placements in mailbox id; what stopped a segment's scan goes to the
// report's notes.
func (s *Store) framePlacements(segs *segments, id string, rep *ReconstructReport) ([]placement, error) {
	ids, err := segs.files()
	if err != nil {
		return nil, err
	}
	var found []placement
	for _, seg := range ids {
		note, err := segs.scanFrames(seg, func(off int64, fr frame) bool {
			for _, p := range fr.Placements {
				if p.Mailbox != id {
					continue
				}
				pl := placement{meta: p, ref: fr.Kind == frameRef, loc: fr.Ref}
				if fr.Kind == frameBody {
					pl.loc = bodyLoc{Seg: seg, Off: off + int64(fr.HdrLen), Len: fr.BodyLen}
					pl.crc = fr.BodyCRC
				}
				found = append(found, pl)
			}
			return true
		})
		if errors.Is(err, ErrNoMessage) {
			continue // removed by a compaction since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", seg, err)
		}
		if note != "" {
			rep.Notes = append(rep.Notes, note)
		}
	}
	return found, nil
}

// unrecorded returns the placements no record of the index b accounts
// for, a record accounting for one placement of the body it names, and
// how many message records b holds. Records of expunged messages kept
// under expunge_mode: delayed count, so that they are not revived.
func unrecorded(b *bolt.Bucket, found []placement) ([]placement, int) {
	named := map[locKey]int{}
	walkRecords(b, nil, func(_ []string, _, _ []byte, seg uint32, off, _ int64) {
		named[locKey{seg, off}]++
	})
	kept := 0
	if msgs := b.Bucket(bucketMessages); msgs != nil {
		kept = countKeys(msgs)
	}
	var missing []placement
	for _, p := range found {
		k := locKey{p.loc.Seg, p.loc.Off}
		if named[k] > 0 {
			named[k]--
			continue
		}
		missing = append(missing, p)
	}
	return missing, kept
}

// readRevivals reads the bodies of the placements to revive, and keeps
// those whose body is there and whole.
func (s *Store) readRevivals(segs *segments, found []placement, rep *ReconstructReport) []revival {
	var out []revival
	for _, p := range found {
		f, err := segs.reader(p.loc.Seg)
		if err != nil {
			rep.Stale++
			continue
		}
		body := make([]byte, p.loc.Len)
		if _, err := f.ReadAt(body, p.loc.Off); err != nil {
			rep.Stale++
			continue
		}
		if !p.ref && crc32.Checksum(body, castagnoli) != p.crc {
			rep.Stale++
			rep.Notes = append(rep.Notes, fmt.Sprintf("segment %d: body at offset %d is damaged (checksum); not revived", p.loc.Seg, p.loc.Off))
			continue
		}
		out = append(out, revival{placement: p, hash: BodyRef(body), headerSize: headerSize(body),
			messageID: message.MessageID(body)})
	}
	return out
}

// freshIndex gives a mailbox whose index is gone an empty one under a new
// UIDVALIDITY (repair.go), holding the mailbox-list lock as Repair does.
func (s *Store) freshIndex(mb *Mailbox, rep *ReconstructReport) error {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	note := func(format string, args ...any) { rep.Notes = append(rep.Notes, fmt.Sprintf(format, args...)) }
	err := s.recreateIndex(mb, note)
	s.mboxes.forgetAll()
	return err
}

// revive adds the revivals as new messages, in one transaction, under one
// new modseq; it diffs against the index again inside the transaction, so
// that a record written since the read is not doubled. It returns the new
// UIDs and the count of records kept.
func (s *Store) revive(mb *Mailbox, rv []revival) ([]uint32, int, error) {
	type result struct {
		uids []uint32
		kept int
	}
	res, err := updateMailbox(s, mb, func(u *mailboxUpdate) (result, error) {
		ps := make([]placement, len(rv))
		for i := range rv {
			ps[i] = rv[i].placement
		}
		missing, kept := unrecorded(u.index, ps)
		still := map[locKey]int{}
		for _, p := range missing {
			still[locKey{p.loc.Seg, p.loc.Off}]++
		}
		out := result{kept: kept}
		if len(missing) == 0 {
			return out, nil
		}
		modseq := u.nextModSeq()
		now := time.Now()
		var size int64
		for _, r := range rv {
			k := locKey{r.loc.Seg, r.loc.Off}
			if still[k] == 0 {
				continue
			}
			still[k]--
			m := Message{ModSeq: modseq, InternalDate: r.meta.Date, SavedDate: now, Size: r.loc.Len,
				Flags: normalizeFlags(r.meta.Flags), HeaderSize: r.headerSize, Body: r.hash,
				Seg: r.loc.Seg, Off: r.loc.Off, MessageID: r.messageID}
			if m.InternalDate.IsZero() {
				m.InternalDate = now
			}
			if err := u.add(&m); err != nil {
				return out, err
			}
			out.uids, size = append(out.uids, m.UID), size+m.Size
		}
		ev := u.event(MessageAppend, "reconstruct")
		ev.UIDs, ev.Size = out.uids, size
		return out, u.emit(&ev)
	})
	return res.uids, res.kept, err
}

// quiet waits until no body or reference frame placed on the partition
// awaits its commit, or gives up after limit.
func (s *segments) quiet(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		s.mu.Lock()
		n := len(s.mv.inflight)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("placements still uncommitted after %v; try again", limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
