package store

import (
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Subscriptions (IMAP SUBSCRIBE/LSUB) are per user and may name mailboxes
// that do not exist (RFC 9051 §6.3.7).

var bucketSubs = []byte("subscriptions")

// Subscribe adds an internal mailbox name to a user's subscriptions.
func (s *Store) Subscribe(user, name string) error {
	return s.meta.Update(func(tx *bolt.Tx) error {
		b, err := userSubs(tx, user, true)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), nil)
	})
}

// Unsubscribe removes a name from a user's subscriptions.
func (s *Store) Unsubscribe(user, name string) error {
	return s.meta.Update(func(tx *bolt.Tx) error {
		b, err := userSubs(tx, user, false)
		if err != nil || b == nil {
			return err
		}
		return b.Delete([]byte(name))
	})
}

// Subscriptions lists a user's subscribed internal names, sorted.
func (s *Store) Subscriptions(user string) ([]string, error) {
	var names []string
	err := s.meta.View(func(tx *bolt.Tx) error {
		b, err := userSubs(tx, user, false)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, _ []byte) error {
			names = append(names, string(k))
			return nil
		})
	})
	sort.Strings(names)
	return names, err
}

func userSubs(tx *bolt.Tx, user string, create bool) (*bolt.Bucket, error) {
	key := []byte(NormalizeUser(user))
	if !tx.Writable() || !create {
		root := tx.Bucket(bucketSubs)
		if root == nil {
			return nil, nil
		}
		return root.Bucket(key), nil
	}
	root, err := tx.CreateBucketIfNotExists(bucketSubs)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	return root.CreateBucketIfNotExists(key)
}
