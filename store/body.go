package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Bodies live once per partition, named by the SHA-256 of their bytes, so
// that a message delivered to many mailboxes (or copied between them) is
// stored once: Cyrus's single-instance store without the hard links.
type bodyDir struct {
	root   string
	noSync bool
}

func openBodyDir(root string, noSync bool) (*bodyDir, error) {
	for _, d := range []string{"bodies", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o750); err != nil {
			return nil, err
		}
	}
	return &bodyDir{root: root, noSync: noSync}, nil
}

// BodyRef computes the content address of a body.
func BodyRef(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func (d *bodyDir) path(ref string) string {
	return filepath.Join(d.root, "bodies", ref[:2], ref)
}

// put writes a body unless the partition has it already. The file is synced
// before it is renamed into place, so that an index entry (committed, and
// synced, after put returns) never names a body that is not on disk; on ext4
// and XFS the index's fsync also commits the rename's journal entry.
func (d *bodyDir) put(ref string, body []byte) error {
	final := d.path(ref)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Join(d.root, "tmp"), ref[:8]+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(body)
	if err == nil && !d.noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func (d *bodyDir) has(ref string) bool {
	_, err := os.Stat(d.path(ref))
	return err == nil
}

func validRef(ref string) bool {
	if len(ref) != 64 {
		return false
	}
	_, err := hex.DecodeString(ref)
	return err == nil
}

// PutBody stores a body on a partition and returns its reference.
func (s *Store) PutBody(partition string, body []byte) (string, error) {
	d, ok := s.bodies[partition]
	if !ok {
		return "", fmt.Errorf("put body: %w: %s", ErrNoPartition, partition)
	}
	ref := BodyRef(body)
	if err := d.put(ref, body); err != nil {
		return "", fmt.Errorf("put body on %s: %w", partition, err)
	}
	return ref, nil
}

// OpenBody opens the body of a message in a mailbox for reading.
func (s *Store) OpenBody(mb *Mailbox, ref string) (*os.File, error) {
	d, ok := s.bodies[mb.Partition]
	if !ok {
		return nil, fmt.Errorf("open body: %w: %s", ErrNoPartition, mb.Partition)
	}
	if !validRef(ref) {
		return nil, fmt.Errorf("open body: bad reference %q", ref)
	}
	f, err := os.Open(d.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open body %s on %s: %w", ref, mb.Partition, ErrNoMessage)
	}
	return f, err
}

// ReadBody reads a whole message body.
func (s *Store) ReadBody(mb *Mailbox, ref string) ([]byte, error) {
	f, err := s.OpenBody(mb, ref)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
