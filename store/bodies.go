package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Bodies are stored once per partition (Cyrus's single-instance store):
// appended to the partition's segment files and found again by their
// SHA-256, which each shard records (bucket "bodies": partition, hash →
// location) in the same transaction as the message that first used it.
// Appending to an open segment instead of creating a file per message keeps
// file creation, and the journal traffic it costs, off the delivery path;
// the group committer syncs the segments once per commit.

var bucketBodies = []byte("bodies")

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

func bodyKey(partition, hash string) []byte {
	return append([]byte(partition+"\x00"), hash...)
}

func encodeLoc(l bodyLoc) []byte {
	d := make([]byte, 0, 20)
	d = appendU32(d, l.Seg)
	d = appendU64(d, uint64(l.Off))
	return appendU64(d, uint64(l.Len))
}

func decodeLoc(b []byte) (bodyLoc, bool) {
	d := decoder{b: b}
	l := bodyLoc{Seg: d.u32(), Off: int64(d.u64()), Len: int64(d.u64())}
	return l, !d.err
}

// findBody looks for a body already on the partition in any shard.
func (s *Store) findBody(partition, hash string) (bodyLoc, bool) {
	key := bodyKey(partition, hash)
	for _, sh := range s.shards {
		var loc bodyLoc
		found := false
		sh.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(bucketBodies); b != nil {
				if v := b.Get(key); v != nil {
					loc, found = decodeLoc(v)
				}
			}
			return nil
		})
		if found {
			return loc, true
		}
	}
	return bodyLoc{}, false
}

// storedBody is a body placed on a partition, to be recorded by the
// transaction that indexes the message.
type storedBody struct {
	partition string
	hash      string
	loc       bodyLoc
	isNew     bool
}

// putBody places a body on a partition unless it is there already. The
// bytes are written but not yet synced: the committer syncs the segments
// before it commits the transaction that records them.
func (s *Store) putBody(partition string, body []byte) (storedBody, error) {
	segs, ok := s.bodies[partition]
	if !ok {
		return storedBody{}, fmt.Errorf("put body: %w: %s", ErrNoPartition, partition)
	}
	sb := storedBody{partition: partition, hash: BodyRef(body)}
	if loc, ok := s.findBody(partition, sb.hash); ok {
		sb.loc = loc
		return sb, nil
	}
	loc, err := segs.append(body)
	if err != nil {
		return storedBody{}, fmt.Errorf("put body on %s: %w", partition, err)
	}
	sb.loc, sb.isNew = loc, true
	return sb, nil
}

// record notes a new body's location in the shard of the message using it.
func (sb storedBody) record(tx *bolt.Tx) error {
	if !sb.isNew {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketBodies)
	if err != nil {
		return err
	}
	return b.Put(bodyKey(sb.partition, sb.hash), encodeLoc(sb.loc))
}

// syncBodies makes every appended body durable; the committers call it
// before committing a transaction that may name them.
func (s *Store) syncBodies() error {
	for name, segs := range s.bodies {
		if err := segs.sync(); err != nil {
			return fmt.Errorf("sync partition %s: %w", name, err)
		}
	}
	return nil
}

// OpenBody returns a reader over a message's body.
func (s *Store) OpenBody(mb *Mailbox, m *Message) (*io.SectionReader, error) {
	segs, ok := s.bodies[mb.Partition]
	if !ok {
		return nil, fmt.Errorf("open body: %w: %s", ErrNoPartition, mb.Partition)
	}
	f, err := segs.reader(m.Seg)
	if err != nil {
		return nil, fmt.Errorf("open body of %s uid %d: %w", mb.Name, m.UID, err)
	}
	return io.NewSectionReader(f, m.Off, m.Size), nil
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
