package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Metadata (RFC 5464): entries on a mailbox or on the server, each either
// shared (/shared/..., one value for everyone) or private (/private/...,
// one value per user). They live in mailboxes.db, keyed by the mailbox's
// unique id, so that RENAME carries them (the id stays) and DELETE drops
// them in its own transaction.

var bucketMetadata = []byte("metadata")

// serverMetadataKey stands for the server ("" in IMAP): bbolt takes no
// empty key, and no unique id starts with NUL.
const serverMetadataKey = "\x00server"

// MetadataEntry is one entry: its name, lower case, with its /private or
// /shared prefix (RFC 5464 §3.2), and its value; a nil Value in a set
// removes the entry.
type MetadataEntry struct {
	Name  string
	Value []byte
}

// MetadataLimits bound what SetMetadata keeps (RFC 5464 §4.3).
type MetadataLimits struct {
	MaxSize    int // bytes of one value; 0 = unlimited
	MaxEntries int // entries of one mailbox (or the server) one user sees: the shared ones and their private ones; 0 = unlimited
}

// ErrMetadataTooMany: a SETMETADATA would pass MaxEntries
// (RFC 5464 §4.3: NO [METADATA TOOMANY]).
var ErrMetadataTooMany = errors.New("too many metadata entries")

// MetadataTooBigError: a value is over MaxSize (NO [METADATA MAXSIZE n]).
type MetadataTooBigError struct{ Max int }

func (e *MetadataTooBigError) Error() string {
	return fmt.Sprintf("metadata value larger than %d bytes", e.Max)
}

// MaxMetadataName bounds an entry name's length, chapar's own limit.
const MaxMetadataName = 1024

// ErrBadMetadataName: not a valid entry name (RFC 5464 §3.2.1).
var ErrBadMetadataName = errors.New("invalid metadata entry name")

// ValidMetadataName reports whether name (lower case) is an entry name a
// client may set: /private/ or /shared/ then one or more components, with
// no "*" or "%", no empty component, no trailing "/" and no control
// characters (RFC 5464 §3.2.1), and at most MaxMetadataName bytes.
func ValidMetadataName(name string) bool {
	if len(name) > MaxMetadataName {
		return false
	}
	rest, ok := strings.CutPrefix(name, "/private/")
	if !ok {
		rest, ok = strings.CutPrefix(name, "/shared/")
	}
	if !ok || rest == "" || strings.HasSuffix(rest, "/") || strings.Contains(rest, "//") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c < 0x20 || c == 0x7f || c == '*' || c == '%' {
			return false
		}
	}
	return true
}

// metadataKey is an entry's key in its mailbox's bucket: the owner of a
// private entry (empty for shared ones), NUL, the name.
func metadataKey(user, name string) []byte {
	if strings.HasPrefix(name, "/shared/") {
		user = ""
	}
	return []byte(NormalizeUser(user) + "\x00" + name)
}

func metadataScope(mb *Mailbox) string {
	if mb == nil {
		return serverMetadataKey
	}
	return mb.UniqueID
}

// Metadata returns the entries of mb (nil: the server) that user sees: the
// shared ones and user's private ones, sorted by name.
func (s *Store) Metadata(mb *Mailbox, user string) ([]MetadataEntry, error) {
	own := []byte(NormalizeUser(user) + "\x00")
	var out []MetadataEntry
	err := s.meta.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketMetadata)
		if root == nil {
			return nil
		}
		b := root.Bucket([]byte(metadataScope(mb)))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if k[0] == 0 || bytes.HasPrefix(k, own) {
				_, name, _ := bytes.Cut(k, []byte{0})
				out = append(out, MetadataEntry{Name: string(name), Value: bytes.Clone(v)})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", metadataScope(mb), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetMetadata sets and removes user's entries on mb (nil: the server), all
// or none. It fails with ErrNoMailbox when mb was deleted meanwhile.
func (s *Store) SetMetadata(mb *Mailbox, user string, entries []MetadataEntry, lim MetadataLimits) error {
	for _, e := range entries {
		if !ValidMetadataName(e.Name) {
			return fmt.Errorf("%w: %q", ErrBadMetadataName, e.Name)
		}
		if lim.MaxSize > 0 && len(e.Value) > lim.MaxSize {
			return &MetadataTooBigError{Max: lim.MaxSize}
		}
	}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		if mb != nil {
			var cur Mailbox
			v := tx.Bucket(bucketMboxList).Get([]byte(mb.Name))
			if v == nil || json.Unmarshal(v, &cur) != nil || cur.UniqueID != mb.UniqueID {
				return ErrNoMailbox
			}
		}
		root, err := tx.CreateBucketIfNotExists(bucketMetadata)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists([]byte(metadataScope(mb)))
		if err != nil {
			return err
		}
		for _, e := range entries {
			k := metadataKey(user, e.Name)
			if e.Value == nil {
				err = b.Delete(k)
			} else {
				err = b.Put(k, e.Value)
			}
			if err != nil {
				return err
			}
		}
		if lim.MaxEntries > 0 && countVisible(b, user, lim.MaxEntries+1) > lim.MaxEntries {
			return ErrMetadataTooMany
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set metadata on %s: %w", metadataScope(mb), err)
	}
	return nil
}

// countVisible counts the shared entries and user's private ones, up to
// stop: the limit binds what each user sees, so that one user's private
// entries never use up another's room.
func countVisible(b *bolt.Bucket, user string, stop int) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil && n < stop && k[0] == 0; k, _ = c.Next() {
		n++
	}
	own := []byte(NormalizeUser(user) + "\x00")
	for k, _ := c.Seek(own); k != nil && n < stop && bytes.HasPrefix(k, own); k, _ = c.Next() {
		n++
	}
	return n
}

// deleteMetadata drops a mailbox's entries, in the transaction that
// deletes it.
func deleteMetadata(tx *bolt.Tx, uniqueID string) error {
	root := tx.Bucket(bucketMetadata)
	if root == nil || root.Bucket([]byte(uniqueID)) == nil {
		return nil
	}
	return root.DeleteBucket([]byte(uniqueID))
}

// deleteUserMetadata drops a deleted user's private entries everywhere.
func deleteUserMetadata(tx *bolt.Tx, user string) error {
	root := tx.Bucket(bucketMetadata)
	if root == nil {
		return nil
	}
	own := []byte(user + "\x00")
	var scopes [][]byte
	root.ForEachBucket(func(k []byte) error {
		scopes = append(scopes, bytes.Clone(k))
		return nil
	})
	for _, scope := range scopes {
		if err := deletePrefix(root.Bucket(scope), own); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes b's keys that start with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
