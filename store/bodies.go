package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Bodies are stored once per partition and delivery (Cyrus's
// single-instance store): appended to the partition's segment files, and
// shared by every recipient of one delivery on that partition and by COPY.
// Appending to an open segment instead of creating a file per message keeps
// file creation, and the journal traffic it costs, off the delivery path;
// the group committer syncs the segments once per commit.

// bodyLoc is where a body lies: segment, offset, length.
type bodyLoc struct {
	Seg uint32
	Off int64
	Len int64
}

// BodyRef computes the content address of a body.
func BodyRef(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// PlacedBody is a body already written to a partition by a committed
// delivery: the next recipient of the same message on that partition
// passes it in Delivery.Body and shares it instead of writing it again.
type PlacedBody struct {
	partition string
	hash      string
	loc       bodyLoc
	// seq is the partition's append count including this body: syncing
	// up to it makes the body durable.
	seq uint64
	// held: appended by this placeBody and not yet released (releaseBody);
	// holdSeg is the segment held, the body's or its reference frame's.
	held    bool
	holdSeg uint32
}

// placeBody appends a body to a partition, behind a frame naming its
// placement (frames.go), unless reuse already holds it there: then only a
// reference frame is written, naming reuse's body for this placement. The
// bytes are written but not synced: the writer calls syncBodies before it
// queues the commit that names them (a reference frame rides on the
// partition's next sync).
func (s *Store) placeBody(partition string, body []byte, reuse *PlacedBody, meta frameMeta) (*PlacedBody, error) {
	segs, ok := s.bodies[partition]
	if !ok {
		return nil, fmt.Errorf("put body: %w: %s", ErrNoPartition, partition)
	}
	if reuse != nil && reuse.partition == partition && reuse.loc.Len == int64(len(body)) {
		seg, err := segs.appendRef(reuse.loc, meta)
		if err != nil {
			return nil, fmt.Errorf("put body reference on %s: %w", partition, err)
		}
		pb := *reuse
		pb.held, pb.holdSeg = true, seg
		return &pb, nil
	}
	loc, seq, err := segs.append(body, meta)
	if err != nil {
		return nil, fmt.Errorf("put body on %s: %w", partition, err)
	}
	return &PlacedBody{partition: partition, hash: BodyRef(body), loc: loc, seq: seq, held: true, holdSeg: loc.Seg}, nil
}

// placeRefs writes a reference frame for each record in recs, placed in
// the mailbox mailboxID on partition (COPY and MOVE within a partition),
// and returns the segments to release once the commit naming them has
// settled.
func (s *Store) placeRefs(partition, mailboxID string, recs []Message) ([]uint32, error) {
	segs, ok := s.bodies[partition]
	if !ok {
		return nil, fmt.Errorf("put body reference: %w: %s", ErrNoPartition, partition)
	}
	held := make([]uint32, 0, len(recs))
	for i := range recs {
		m := &recs[i]
		seg, off, err := segs.resolve(m.Seg, m.Off)
		if err != nil {
			seg, off = m.Seg, m.Off // the commit will refuse it; the frame is harmless
		}
		held1, err := segs.appendRef(bodyLoc{Seg: seg, Off: off, Len: m.Size},
			frameMeta{Mailbox: mailboxID, Date: m.InternalDate, Flags: m.Flags})
		if err != nil {
			s.releaseSegs(partition, held)
			return nil, fmt.Errorf("put body reference on %s: %w", partition, err)
		}
		held = append(held, held1)
	}
	return held, nil
}

// releaseSegs releases what placeRefs held.
func (s *Store) releaseSegs(partition string, held []uint32) {
	if segs, ok := s.bodies[partition]; ok {
		for _, seg := range held {
			segs.release(seg)
		}
	}
}

// syncBodies makes the bodies placed on a partition up to seq durable. A
// writer calls it after placing its bodies and before queueing the commit
// that names them, in its own goroutine: concurrent writers share one
// fsync, and it overlaps the index commit of the group ahead instead of
// adding to it.
func (s *Store) syncBodies(partition string, seq uint64) error {
	segs, ok := s.bodies[partition]
	if !ok {
		return fmt.Errorf("sync bodies: %w: %s", ErrNoPartition, partition)
	}
	if err := segs.sync(seq); err != nil {
		return fmt.Errorf("sync partition %s: %w", partition, err)
	}
	return nil
}

// OpenBody returns a reader over a message's body. A record read before
// compaction moved the body is followed to where the body is now.
func (s *Store) OpenBody(mb *Mailbox, m *Message) (*io.SectionReader, error) {
	segs, ok := s.bodies[mb.Partition]
	if !ok {
		return nil, fmt.Errorf("open body: %w: %s", ErrNoPartition, mb.Partition)
	}
	m = s.current(mb, m)
	f, err := segs.reader(m.Seg)
	if errors.Is(err, ErrNoMessage) {
		// The segment went after m was read and its move was forgotten:
		// the index says where the body is now, if the message still is.
		if fresh, ferr := s.GetMessage(mb, m.UID); ferr == nil && fresh.Seg != m.Seg && fresh.Size == m.Size {
			m = fresh
			f, err = segs.reader(m.Seg)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open body of %s uid %d: %w", mb.Name, m.UID, err)
	}
	return io.NewSectionReader(f, m.Off, m.Size), nil
}

// ReadHeader reads only a message's header block (through its blank line).
func (s *Store) ReadHeader(mb *Mailbox, m *Message) ([]byte, error) {
	n := headerLen(m)
	r, err := s.OpenBody(mb, m)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("read header of %s uid %d: %w", mb.Name, m.UID, err)
	}
	return buf, nil
}

// ReadBody reads a whole message body.
func (s *Store) ReadBody(mb *Mailbox, m *Message) ([]byte, error) {
	r, err := s.OpenBody(mb, m)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, m.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("read body of %s uid %d: %w", mb.Name, m.UID, err)
	}
	return buf, nil
}
