package store

import (
	"bytes"
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// URLAUTH keys (RFC 4467 §7): one secret per user and mailbox, with which
// the INTERNAL mechanism signs the URLs the user authorizes. A new key
// (RESETKEY) makes every URL signed with the old one worthless. Keys are
// found by the mailbox's unique id, which is never reused, so the key of a
// deleted mailbox signs nothing a new mailbox of its name holds.

var bucketURLAuthKeys = []byte("urlauthkeys")

const urlAuthKeySize = 32

func urlAuthKeyID(user string, mb *Mailbox) []byte {
	return []byte(NormalizeUser(user) + "\x00" + mb.UniqueID)
}

// URLAuthKey returns user's key for mb, making one when there is none and
// create is set; without create a missing key is nil.
func (s *Store) URLAuthKey(user string, mb *Mailbox, create bool) ([]byte, error) {
	id := urlAuthKeyID(user, mb)
	var key []byte
	err := s.meta.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketURLAuthKeys); b != nil {
			key = bytes.Clone(b.Get(id))
		}
		return nil
	})
	if err != nil || key != nil || !create {
		return key, wrapURLAuth(err)
	}
	err = s.meta.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketURLAuthKeys)
		if err != nil {
			return err
		}
		if k := b.Get(id); k != nil {
			key = bytes.Clone(k)
			return nil
		}
		key = make([]byte, urlAuthKeySize)
		rand.Read(key)
		return b.Put(id, key)
	})
	return key, wrapURLAuth(err)
}

// ResetURLAuthKeys gives user a new key for mb, or, with mb nil, removes
// all of user's keys (RFC 4467 §4.1: RESETKEY without a mailbox).
func (s *Store) ResetURLAuthKeys(user string, mb *Mailbox) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketURLAuthKeys)
		if err != nil {
			return err
		}
		if mb != nil {
			key := make([]byte, urlAuthKeySize)
			rand.Read(key)
			return b.Put(urlAuthKeyID(user, mb), key)
		}
		return deletePrefix(b, []byte(NormalizeUser(user)+"\x00"))
	})
	return wrapURLAuth(err)
}

// deleteUserURLAuthKeys drops a deleted user's keys.
func deleteUserURLAuthKeys(tx *bolt.Tx, user string) error {
	b := tx.Bucket(bucketURLAuthKeys)
	if b == nil {
		return nil
	}
	return deletePrefix(b, []byte(user+"\x00"))
}

func wrapURLAuth(err error) error {
	if err != nil {
		return fmt.Errorf("urlauth keys: %w", err)
	}
	return nil
}

// URLAuthKey is the actor's key for mb, made if need be; authorizing URLs
// to a mailbox takes the right to read it (r).
func (a Actor) URLAuthKey(mb *Mailbox) ([]byte, error) {
	if _, err := a.check(mb, RightRead); err != nil {
		return nil, err
	}
	return a.s.URLAuthKey(a.user, mb, true)
}

// ResetURLAuthKeys resets the actor's key for mb (r), or all its keys.
func (a Actor) ResetURLAuthKeys(mb *Mailbox) error {
	if mb != nil {
		if _, err := a.check(mb, RightRead); err != nil {
			return err
		}
	}
	return a.s.ResetURLAuthKeys(a.user, mb)
}
