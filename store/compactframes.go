package store

import (
	"fmt"
	"io"
	"slices"
)

// What compaction must do about frames (frames.go): a copied body is
// framed with every placement the records naming it tell of, so that the
// segment it came from can go with all its frames; reference frames of a
// compacted segment naming bodies elsewhere that are still placed so are
// written again; and the header of a live body counts as live, so that a
// freshly compacted segment has no dead bytes.

// placementsOf turns the records naming one body into its placements.
func placementsOf(refs []bodyRef) []frameMeta {
	ps := make([]frameMeta, 0, len(refs))
	for _, r := range refs {
		if r.meta != nil {
			ps = append(ps, *r.meta)
		} else {
			ps = append(ps, frameMeta{Mailbox: r.mailbox})
		}
	}
	return ps
}

// appendFramed appends a body framed with placements ps; those the header
// has no room for get reference frames. The body is held like append's;
// the reference frames are not (no commit follows them).
func (s *segments) appendFramed(body []byte, ps []frameMeta) (bodyLoc, uint64, error) {
	loc, seq, err := s.append(body, ps...)
	if err != nil {
		return loc, seq, err
	}
	_, fit := encodeFrame(frameBody, loc.Len, 0, bodyLoc{}, ps)
	for _, p := range ps[fit:] {
		seg, err := s.appendRef(loc, p)
		if err != nil {
			s.release(loc.Seg)
			return loc, seq, err
		}
		s.release(seg)
	}
	return loc, seq, nil
}

// headerBefore returns the length of the body frame header that ends at
// off, for a body of size bytes, or 0 when there is none (a segment
// written before framing).
func headerBefore(f io.ReaderAt, off, size int64) int64 {
	const guess = 512
	n := min(off, guess)
	if n < minFrameHeader {
		return 0
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off-n); err != nil {
		return 0
	}
	h := int64(buf[n-2])<<8 | int64(buf[n-1])
	if h < minFrameHeader || h > off {
		return 0
	}
	if h > n {
		buf = make([]byte, h)
		if _, err := f.ReadAt(buf, off-h); err != nil {
			return 0
		}
	} else {
		buf = buf[n-h:]
	}
	fr, err := decodeFrame(buf)
	if err != nil || fr.Kind != frameBody || fr.BodyLen != size {
		return 0
	}
	return h
}

// carryRefFrames writes again, to the current segment, the reference
// frames of seg (about to be removed) that name a body in a segment the
// pass keeps, for a mailbox whose records still name it. gone are the
// segments this pass removes: their bodies get new frames when copied.
func (s *Store) carryRefFrames(partition string, seg uint32, gone []uint32) error {
	segs := s.bodies[partition]
	var refs []frame
	_, err := segs.scanFrames(seg, func(_ int64, fr frame) bool {
		if fr.Kind == frameRef && fr.Ref.Seg != seg && !slices.Contains(gone, fr.Ref.Seg) {
			refs = append(refs, fr)
		}
		return true
	})
	if err != nil || len(refs) == 0 {
		return err
	}
	type place struct {
		mailbox string
		seg     uint32
		off     int64
	}
	live := map[place]bool{}
	if err := s.scanRefs(partition, func(sg uint32, r bodyRef) {
		live[place{r.mailbox, sg, r.off}] = true
	}); err != nil {
		return err
	}
	carried := 0
	for _, fr := range refs {
		for _, p := range fr.Placements {
			if !live[place{p.Mailbox, fr.Ref.Seg, fr.Ref.Off}] {
				continue
			}
			held, err := segs.appendRef(fr.Ref, p)
			if err != nil {
				return fmt.Errorf("carry reference frame: %w", err)
			}
			segs.release(held)
			carried++
		}
	}
	if carried == 0 {
		return nil
	}
	return segs.syncDirty()
}
