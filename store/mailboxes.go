package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Mailbox is an entry of the mailbox list (Cyrus's mailboxes.db).
type Mailbox struct {
	Name        string            `json:"name"`     // internal name
	UniqueID    string            `json:"uniqueid"` // stable across renames
	Partition   string            `json:"partition"`
	Shard       int               `json:"shard"`
	UIDValidity uint32            `json:"uidvalidity"`
	ACL         map[string]string `json:"acl,omitempty"` // identifier → rights (RFC 4314)
	SpecialUse  string            `json:"specialuse,omitempty"`
	Created     time.Time         `json:"created"`
}

// CreateOptions are the optional parts of CREATE.
type CreateOptions struct {
	Partition  string // "" = the default partition
	SpecialUse string // RFC 6154 attribute, e.g. `\Sent`
}

func isExists(err error) bool    { return errors.Is(err, ErrMailboxExists) }
func isNoMailbox(err error) bool { return errors.Is(err, ErrNoMailbox) }

func newUniqueID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// shardFor keeps all of one user's mailboxes in one shard, so that COPY and
// MOVE between them are single transactions, and spreads users over shards.
func (s *Store) shardFor(name string) int {
	key := Owner(name)
	if key == "" {
		key = name
		if i := strings.IndexByte(name, '.'); i >= 0 {
			key = name[:i]
		}
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(s.shards)))
}

// ownerRights are the rights Cyrus gives a user on their own mailboxes.
const ownerRights = "lrswipkxtecdan"

// CreateMailbox adds a mailbox. A user's mailbox below INBOX needs the INBOX.
func (s *Store) CreateMailbox(name string, opts CreateOptions) (*Mailbox, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := notInDeleted(name); err != nil {
		return nil, err
	}
	part := opts.Partition
	if part == "" {
		part = s.opts.DefaultPartition
	}
	if _, ok := s.bodies[part]; !ok {
		return nil, fmt.Errorf("create %s: %w: %s", name, ErrNoPartition, part)
	}
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	if _, err := s.GetMailbox(name); err == nil {
		return nil, fmt.Errorf("create %s: %w", name, ErrMailboxExists)
	}
	owner := Owner(name)
	if owner != "" && name != UserInbox(owner) {
		if _, err := s.GetMailbox(UserInbox(owner)); err != nil {
			return nil, fmt.Errorf("create %s: the owner's INBOX %s: %w", name, UserInbox(owner), ErrNoMailbox)
		}
	}
	mb := &Mailbox{
		Name:       name,
		UniqueID:   newUniqueID(),
		Partition:  part,
		Shard:      s.shardFor(name),
		SpecialUse: opts.SpecialUse,
		Created:    time.Now().UTC(),
	}
	mb.ACL = s.initialACL(name)
	// The index bucket first, then the list entry: a crash in between leaves
	// an orphan index that nobody sees (check reports it, check --repair
	// removes it: repair.go), never a listed mailbox without an index.
	var uidValidity uint32
	err := s.meta.Update(func(tx *bolt.Tx) error {
		var err error
		uidValidity, err = nextUIDValidity(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	mb.UIDValidity = uidValidity
	sh := s.shards[mb.Shard]
	err = sh.commit.do(func(tx *bolt.Tx) error {
		return createIndex(tx, mb.UniqueID, uidValidity)
	})
	if err != nil {
		return nil, fmt.Errorf("create %s: index: %w", name, err)
	}
	err = s.meta.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(mb)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketMboxList).Put([]byte(name), v); err != nil {
			return err
		}
		return appendEvent(tx, &Event{Type: MailboxCreate, Mailbox: name, MailboxID: mb.UniqueID, UIDValidity: uidValidity, UIDNext: 1, SpecialUse: mb.SpecialUse})
	})
	s.mboxes.forgetAll()
	if err != nil {
		// Not a crash: take the index back rather than leave an orphan.
		if derr := sh.commit.do(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIndexes).DeleteBucket([]byte(mb.UniqueID))
		}); derr != nil {
			s.log.Warn("create mailbox: orphan index left behind", "mailbox", name, "err", derr)
		}
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	s.outbox.notify()
	return mb, nil
}

// GetMailbox looks a mailbox up by internal name.
func (s *Store) GetMailbox(name string) (*Mailbox, error) {
	if mb, ok := s.mboxes.get(name); ok {
		return mb, nil
	}
	gen := s.mboxes.generation()
	var mb *Mailbox
	err := s.meta.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMboxList).Get([]byte(name))
		if v == nil {
			return ErrNoMailbox
		}
		mb = new(Mailbox)
		return json.Unmarshal(v, mb)
	})
	if err != nil {
		return nil, fmt.Errorf("mailbox %s: %w", name, err)
	}
	s.mboxes.put(gen, mb)
	return mb, nil
}

// ListMailboxes returns the mailbox named prefix and all below it, in name
// order; an empty prefix lists every mailbox.
func (s *Store) ListMailboxes(prefix string) ([]Mailbox, error) {
	var list []Mailbox
	err := s.meta.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMboxList).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			name := string(k)
			if prefix != "" && name != prefix && !strings.HasPrefix(name, prefix+".") {
				continue
			}
			var mb Mailbox
			if err := json.Unmarshal(v, &mb); err != nil {
				return fmt.Errorf("mailbox %s: %w", name, err)
			}
			list = append(list, mb)
		}
		return nil
	})
	return list, err
}

// DeleteMailbox removes a mailbox and its index. Its bodies stay until the
// body collector finds no mailbox holding them. Under delete_mode: delayed
// (Options.DelayedDelete) a mailbox outside the DELETED hierarchy is not
// removed but moved into it, index and all (deleted.go); to its users it
// is gone all the same: the same MailboxDelete event, its quota usage
// released, its quota root removed. A mailbox already in the DELETED
// hierarchy is always removed for good.
func (s *Store) DeleteMailbox(name string) error {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	mb, err := s.GetMailbox(name)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	delayed := s.opts.DelayedDelete && !IsDeletedName(name)
	err = s.meta.Update(func(tx *bolt.Tx) error {
		list := tx.Bucket(bucketMboxList)
		if delayed {
			if err := moveToDeleted(list, mb, time.Now()); err != nil {
				return err
			}
		}
		if err := list.Delete([]byte(name)); err != nil {
			return err
		}
		// A root goes with its mailbox (Cyrus removes a deleted user's
		// quota root).
		if err := tx.Bucket(bucketQuota).Delete([]byte(name)); err != nil {
			return err
		}
		// Its metadata goes with it (RFC 5464 §3.1), unless it is kept
		// in the DELETED hierarchy.
		if !delayed {
			if err := deleteMetadata(tx, mb.UniqueID); err != nil {
				return err
			}
		}
		return appendEvent(tx, &Event{Type: MailboxDelete, Mailbox: name, MailboxID: mb.UniqueID, UIDValidity: mb.UIDValidity, SpecialUse: mb.SpecialUse})
	})
	s.mboxes.forgetAll()
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	s.outbox.notify()
	removedRoot, wasRoot := s.quota.get(name)
	s.quota.remove(name)
	err = s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil {
			return nil
		}
		// The usage leaves with the index, in its transaction.
		if root, e, ok := s.quota.rootOf(name); ok {
			if st, err := readState(b); err == nil {
				if _, err := addUsage(tx, root, e, QuotaUsage{StorageBytes: -st.Size, Messages: -int64(st.Exists)}); err != nil {
					return err
				}
			}
		}
		if delayed {
			return nil
		}
		return tx.Bucket(bucketIndexes).DeleteBucket([]byte(mb.UniqueID))
	})
	if err != nil {
		// The list no longer names it: what is left is an orphan index.
		s.log.Warn("delete mailbox: index left behind", "mailbox", name, "err", err)
	}
	if wasRoot {
		if err := s.clearUsage(removedRoot.ID); err != nil {
			s.log.Warn("delete mailbox: quota usage left behind", "mailbox", name, "err", err)
		}
	}
	s.outbox.notify()
	return nil
}

// RenameMailbox renames a mailbox and every mailbox below it. The indexes stay
// where they are (they are keyed by unique id), so a rename touches only the
// list. Renaming a user's INBOX is RFC 9051's special case: see renameInbox.
func (s *Store) RenameMailbox(from, to string) error {
	if err := ValidateName(to); err != nil {
		return err
	}
	if err := notInDeleted(to); err != nil {
		return err
	}
	if owner := Owner(from); owner != "" && from == UserInbox(owner) {
		return s.renameInbox(from, to)
	}
	if to == from || strings.HasPrefix(to, from+".") {
		return fmt.Errorf("rename %s to %s: %w: into itself", from, to, ErrBadName)
	}
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	if newOwner := Owner(to); newOwner != "" && to != UserInbox(newOwner) {
		if _, err := s.GetMailbox(UserInbox(newOwner)); err != nil {
			return fmt.Errorf("rename %s to %s: the owner's INBOX: %w", from, to, ErrNoMailbox)
		}
	}
	var renamed []renamedMailbox
	err := s.meta.Update(func(tx *bolt.Tx) error {
		renamed = renamed[:0]
		list := tx.Bucket(bucketMboxList)
		if list.Get([]byte(from)) == nil {
			return ErrNoMailbox
		}
		if list.Get([]byte(to)) != nil {
			return ErrMailboxExists
		}
		type move struct {
			old string
			mb  Mailbox
		}
		var moves []move
		c := list.Cursor()
		for k, v := c.Seek([]byte(from)); k != nil && strings.HasPrefix(string(k), from); k, v = c.Next() {
			name := string(k)
			if name != from && !strings.HasPrefix(name, from+".") {
				continue
			}
			var mb Mailbox
			if err := json.Unmarshal(v, &mb); err != nil {
				return err
			}
			moves = append(moves, move{old: name, mb: mb})
		}
		for _, m := range moves {
			newName := to + strings.TrimPrefix(m.old, from)
			renamed = append(renamed, renamedMailbox{old: m.old, new: newName, mb: m.mb})
			if list.Get([]byte(newName)) != nil {
				return fmt.Errorf("%w: %s", ErrMailboxExists, newName)
			}
			if err := list.Delete([]byte(m.old)); err != nil {
				return err
			}
			m.mb.Name = newName
			if oldOwner, newOwner := Owner(m.old), Owner(newName); oldOwner != newOwner && m.mb.ACL != nil {
				rights := m.mb.ACL[oldOwner]
				delete(m.mb.ACL, oldOwner)
				if newOwner != "" && rights != "" {
					m.mb.ACL[newOwner] = rights
				}
			}
			v, err := json.Marshal(&m.mb)
			if err != nil {
				return err
			}
			if err := list.Put([]byte(newName), v); err != nil {
				return err
			}
			if err := appendEvent(tx, &Event{Type: MailboxRename, Mailbox: newName, OldMailbox: m.old, MailboxID: m.mb.UniqueID, UIDValidity: m.mb.UIDValidity, SpecialUse: m.mb.SpecialUse}); err != nil {
				return err
			}
		}
		return renameQuotaRoots(tx, renamed)
	})
	s.mboxes.forgetAll()
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	s.outbox.notify()
	s.moveQuotaUsage(renamed)
	return nil
}

// renameInbox does what RFC 9051 §6.3.6 asks of RENAME INBOX: the messages
// move to a new mailbox of that name, INBOX stays (empty, same UIDVALIDITY)
// and the mailboxes below INBOX are not touched. Within one user the move is
// one transaction.
func (s *Store) renameInbox(inbox, to string) error {
	src, err := s.GetMailbox(inbox)
	if err != nil {
		return fmt.Errorf("rename %s: %w", inbox, err)
	}
	dst, err := s.CreateMailbox(to, CreateOptions{Partition: src.Partition})
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", inbox, to, err)
	}
	var uids []uint32
	err = s.ForEachMessage(src, 0, func(m *Message) bool {
		uids = append(uids, m.UID)
		return true
	})
	if err != nil {
		return fmt.Errorf("rename %s: %w", inbox, err)
	}
	if len(uids) == 0 {
		return nil
	}
	if _, err := s.Move(src, uids, dst); err != nil {
		return fmt.Errorf("rename %s to %s: %w", inbox, to, err)
	}
	return nil
}
