package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Sieve scripts live in mailboxes.db, one sub-bucket per user under
// bucketSieve (the global scripts of include :global under globalSieveKey),
// as ManageSieve (RFC 5804) sees them: named scripts, at most one of
// them active. The sieve stage reads the active script on every delivery,
// so it is one read transaction; ManageSieve writes are rare.

var (
	bucketSieve = []byte("sieve")
	// Keys inside a user's sieve bucket.
	sieveScriptsKey = []byte("scripts") // sub-bucket: name → script text
	sieveActiveKey  = []byte("active")  // the active script's name
	sieveMarksKey   = []byte("marks")   // sub-bucket: key → unix time u64
)

// Errors of the Sieve script API, matched by ManageSieve to its response
// codes (NONEXISTENT, ALREADYEXISTS, ACTIVE).
var (
	ErrNoScript     = errors.New("sieve script does not exist")
	ErrScriptExists = errors.New("sieve script already exists")
	ErrScriptActive = errors.New("sieve script is active")
	ErrScriptName   = errors.New("invalid sieve script name")
)

// GlobalSieveUser is the owner of the global scripts, which include
// :global reads (RFC 6609 §3.2) and only admins write.
const GlobalSieveUser = ""

// globalSieveKey is the bucket of GlobalSieveUser's scripts: bbolt refuses
// an empty bucket name, and a user name holds no control character
// (validUserName), so no user's bucket can take this one.
var globalSieveKey = []byte("\x00global")

// sieveUserKey is the key of a user's sieve bucket under bucketSieve.
func sieveUserKey(user string) []byte {
	u := NormalizeUser(user)
	if u == GlobalSieveUser {
		return globalSieveKey
	}
	return []byte(u)
}

// SieveScriptInfo is one entry of a user's script list.
type SieveScriptInfo struct {
	Name   string
	Size   int
	Active bool
}

// validScriptName applies RFC 5804 §1.6: a script name is UTF-8 without
// control characters; chapar also bounds its length and refuses "/" so
// that names map one to one onto Cyrus's sievedir files.
func validScriptName(name string) error {
	if name == "" || len(name) > 512 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: %q", ErrScriptName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == '/' {
			return fmt.Errorf("%w: %q", ErrScriptName, name)
		}
	}
	return nil
}

// sieveBucket returns a user's sieve bucket, creating it in a writable
// transaction when create is set; nil when the user has none.
func sieveBucket(tx *bolt.Tx, user string, create bool) (*bolt.Bucket, error) {
	key := sieveUserKey(user)
	if !create {
		root := tx.Bucket(bucketSieve)
		if root == nil {
			return nil, nil
		}
		return root.Bucket(key), nil
	}
	root, err := tx.CreateBucketIfNotExists(bucketSieve)
	if err != nil {
		return nil, err
	}
	ub, err := root.CreateBucketIfNotExists(key)
	if err != nil {
		return nil, err
	}
	if _, err := ub.CreateBucketIfNotExists(sieveScriptsKey); err != nil {
		return nil, err
	}
	return ub, nil
}

// PutSieveScript stores a script under a name, replacing one of that name
// (an active script stays active: RFC 5804 §2.6). The caller has compiled
// it; the store keeps text.
func (s *Store) PutSieveScript(user, name string, script []byte) error {
	if err := validScriptName(name); err != nil {
		return err
	}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, true)
		if err != nil {
			return err
		}
		return ub.Bucket(sieveScriptsKey).Put([]byte(name), bytes.Clone(script))
	})
	if err != nil {
		return fmt.Errorf("put sieve script %s of %s: %w", name, user, err)
	}
	return nil
}

// SieveScript returns a script's text, or ErrNoScript.
func (s *Store) SieveScript(user, name string) ([]byte, error) {
	var out []byte
	err := s.meta.View(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, false)
		if err != nil {
			return err
		}
		if ub == nil {
			return ErrNoScript
		}
		v := ub.Bucket(sieveScriptsKey).Get([]byte(name))
		if v == nil {
			return ErrNoScript
		}
		out = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sieve script %s of %s: %w", name, user, err)
	}
	return out, nil
}

// ListSieveScripts lists a user's scripts by name.
func (s *Store) ListSieveScripts(user string) ([]SieveScriptInfo, error) {
	var list []SieveScriptInfo
	err := s.meta.View(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, false)
		if err != nil || ub == nil {
			return err
		}
		active := string(ub.Get(sieveActiveKey))
		return ub.Bucket(sieveScriptsKey).ForEach(func(k, v []byte) error {
			list = append(list, SieveScriptInfo{Name: string(k), Size: len(v), Active: string(k) == active})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list sieve scripts of %s: %w", user, err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// SetActiveSieveScript makes a script the active one; an empty name
// deactivates every script (RFC 5804 §2.8).
func (s *Store) SetActiveSieveScript(user, name string) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, true)
		if err != nil {
			return err
		}
		if name == "" {
			return ub.Delete(sieveActiveKey)
		}
		if ub.Bucket(sieveScriptsKey).Get([]byte(name)) == nil {
			return ErrNoScript
		}
		return ub.Put(sieveActiveKey, []byte(name))
	})
	if err != nil {
		return fmt.Errorf("activate sieve script %q of %s: %w", name, user, err)
	}
	return nil
}

// ActiveSieveScript returns the name and text of a user's active script;
// the name is empty when none is active.
func (s *Store) ActiveSieveScript(user string) (name string, script []byte, err error) {
	err = s.meta.View(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, false)
		if err != nil || ub == nil {
			return err
		}
		active := ub.Get(sieveActiveKey)
		if active == nil {
			return nil
		}
		v := ub.Bucket(sieveScriptsKey).Get(active)
		if v == nil {
			return nil
		}
		name, script = string(active), bytes.Clone(v)
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("active sieve script of %s: %w", user, err)
	}
	return name, script, nil
}

// DeleteSieveScript removes a script; the active one cannot be deleted
// (RFC 5804 §2.10: NO (ACTIVE)).
func (s *Store) DeleteSieveScript(user, name string) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, false)
		if err != nil {
			return err
		}
		if ub == nil || ub.Bucket(sieveScriptsKey).Get([]byte(name)) == nil {
			return ErrNoScript
		}
		if string(ub.Get(sieveActiveKey)) == name {
			return ErrScriptActive
		}
		return ub.Bucket(sieveScriptsKey).Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete sieve script %s of %s: %w", name, user, err)
	}
	return nil
}

// RenameSieveScript renames a script, keeping it active if it was (RFC
// 5804 §2.11.1).
func (s *Store) RenameSieveScript(user, oldName, newName string) error {
	if err := validScriptName(newName); err != nil {
		return err
	}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, false)
		if err != nil {
			return err
		}
		if ub == nil {
			return ErrNoScript
		}
		scripts := ub.Bucket(sieveScriptsKey)
		v := scripts.Get([]byte(oldName))
		if v == nil {
			return ErrNoScript
		}
		if scripts.Get([]byte(newName)) != nil {
			return ErrScriptExists
		}
		if err := scripts.Put([]byte(newName), bytes.Clone(v)); err != nil {
			return err
		}
		if err := scripts.Delete([]byte(oldName)); err != nil {
			return err
		}
		if string(ub.Get(sieveActiveKey)) == oldName {
			return ub.Put(sieveActiveKey, []byte(newName))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rename sieve script %s of %s: %w", oldName, user, err)
	}
	return nil
}

// deleteSieveUser drops a user's scripts and marks with the user.
func deleteSieveUser(tx *bolt.Tx, user string) error {
	root := tx.Bucket(bucketSieve)
	if root == nil || root.Bucket(sieveUserKey(user)) == nil {
		return nil
	}
	return root.DeleteBucket(sieveUserKey(user))
}

// SieveMark is the response tracking of vacation (RFC 5230 §4.2: one reply
// per sender and handle within :days) and the duplicate test (RFC 7352:
// one match per unique id within :seconds). It reports whether key was
// marked within period before now; if not, it marks it now, in the same
// transaction, so that two concurrent deliveries cannot both see "not
// marked". A mark older than period counts as absent and is renewed.
func (s *Store) SieveMark(user, key string, period time.Duration, now time.Time) (marked bool, err error) {
	err = s.meta.Update(func(tx *bolt.Tx) error {
		ub, err := sieveBucket(tx, user, true)
		if err != nil {
			return err
		}
		marks, err := ub.CreateBucketIfNotExists(sieveMarksKey)
		if err != nil {
			return err
		}
		if v := marks.Get([]byte(key)); len(v) == 8 {
			at := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
			if now.Sub(at) < period {
				marked = true
				return nil
			}
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(now.UnixNano()))
		return marks.Put([]byte(key), v[:])
	})
	if err != nil {
		return false, fmt.Errorf("sieve mark of %s: %w", user, err)
	}
	return marked, nil
}

// PruneSieveMarks removes marks made before cutoff, as PruneDuplicates
// does for duplicate suppression; it returns how many went.
func (s *Store) PruneSieveMarks(cutoff time.Time) (int, error) {
	n := 0
	err := s.meta.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSieve)
		if root == nil {
			return nil
		}
		return root.ForEachBucket(func(user []byte) error {
			marks := root.Bucket(user).Bucket(sieveMarksKey)
			if marks == nil {
				return nil
			}
			var old [][]byte
			err := marks.ForEach(func(k, v []byte) error {
				if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() {
					old = append(old, bytes.Clone(k))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range old {
				if err := marks.Delete(k); err != nil {
					return err
				}
			}
			n += len(old)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("prune sieve marks: %w", err)
	}
	return n, nil
}
