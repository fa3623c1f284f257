package store

import (
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Subscriptions (IMAP SUBSCRIBE/LSUB) are per user and may name mailboxes
// that do not exist (RFC 9051 §6.3.7).

var bucketSubs = []byte("subscriptions")

// Subscribe adds an internal mailbox name to a user's subscriptions and,
// when it was not there, writes a MailboxSubscribe event with the change.
func (s *Store) Subscribe(user, name string) error {
	changed := false
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := userSubs(tx, user, true)
		if err != nil {
			return err
		}
		if changed = b.Get([]byte(name)) == nil; !changed {
			return nil
		}
		if err := b.Put([]byte(name), nil); err != nil {
			return err
		}
		return appendEvent(tx, subscriptionEvent(tx, MailboxSubscribe, user, name))
	})
	if err != nil {
		return fmt.Errorf("subscribe %s to %s: %w", user, name, err)
	}
	if changed {
		s.outbox.notify()
	}
	return nil
}

// Unsubscribe removes a name from a user's subscriptions and, when it was
// there, writes a MailboxUnSubscribe event with the change.
func (s *Store) Unsubscribe(user, name string) error {
	changed := false
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := userSubs(tx, user, false)
		if err != nil || b == nil {
			return err
		}
		if changed = b.Get([]byte(name)) != nil; !changed {
			return nil
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		return appendEvent(tx, subscriptionEvent(tx, MailboxUnSubscribe, user, name))
	})
	if err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", user, name, err)
	}
	if changed {
		s.outbox.notify()
	}
	return nil
}

// subscriptionEvent is a (un)subscription's event: about the mailbox when
// it exists (a subscription may name one that does not), and by the user
// who subscribed, who need not own it.
func subscriptionEvent(tx *bolt.Tx, t EventType, user, name string) *Event {
	ev := &Event{Type: t, Service: "imapd", Mailbox: name, MailboxID: NoMailboxID, User: NormalizeUser(user)}
	var mb Mailbox
	if v := tx.Bucket(bucketMboxList).Get([]byte(name)); v != nil && json.Unmarshal(v, &mb) == nil {
		ev.MailboxID, ev.UIDValidity, ev.SpecialUse = mb.UniqueID, mb.UIDValidity, mb.SpecialUse
	}
	return ev
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
