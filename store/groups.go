package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Groups name sets of users for ACLs ("group:staff"), as Cyrus's
// auth_unix reads them from /etc/group; chapar keeps them in mailboxes.db's
// meta bucket, under "group:NAME", as a JSON list of members. Every rights
// check asks which groups a user is in, so the whole table is kept in
// memory and replaced whenever a group changes.

// ErrNoGroup is a group that does not exist.
var ErrNoGroup = errors.New("group does not exist")

// groupTable maps a user to the groups they belong to.
type groupTable struct {
	mu     sync.RWMutex
	byUser map[string]map[string]bool
}

func (g *groupTable) of(user string) map[string]bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.byUser[user]
}

func validGroupName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("group name length %d", len(name))
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("character %q in group name", r)
		}
	}
	return nil
}

func groupKey(name string) []byte { return []byte(GroupPrefix + name) }

// loadGroups rebuilds the in-memory table from mailboxes.db.
func (s *Store) loadGroups() error {
	byUser := map[string]map[string]bool{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		prefix := []byte(GroupPrefix)
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), GroupPrefix); k, v = c.Next() {
			var members []string
			if err := json.Unmarshal(v, &members); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			name := string(k[len(prefix):])
			for _, m := range members {
				if byUser[m] == nil {
					byUser[m] = map[string]bool{}
				}
				byUser[m][name] = true
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: groups: %w", err)
	}
	s.groups.mu.Lock()
	s.groups.byUser = byUser
	s.groups.mu.Unlock()
	return nil
}

// Groups lists every group with its members, sorted by name.
func (s *Store) Groups() (map[string][]string, error) {
	out := map[string][]string{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		for k, v := c.Seek([]byte(GroupPrefix)); k != nil && strings.HasPrefix(string(k), GroupPrefix); k, v = c.Next() {
			var members []string
			if err := json.Unmarshal(v, &members); err != nil {
				return err
			}
			out[string(k[len(GroupPrefix):])] = members
		}
		return nil
	})
	return out, err
}

// AddToGroup adds members to a group, creating it if needed.
func (s *Store) AddToGroup(name string, members ...string) error {
	return s.changeGroup(name, func(set map[string]bool, exists bool) (bool, error) {
		for _, m := range members {
			if err := validUserName(NormalizeUser(m)); err != nil {
				return false, err
			}
			set[NormalizeUser(m)] = true
		}
		return true, nil
	})
}

// RemoveFromGroup removes members from a group; with no members named it
// deletes the group.
func (s *Store) RemoveFromGroup(name string, members ...string) error {
	return s.changeGroup(name, func(set map[string]bool, exists bool) (bool, error) {
		if !exists {
			return false, ErrNoGroup
		}
		if len(members) == 0 {
			return false, nil
		}
		for _, m := range members {
			delete(set, NormalizeUser(m))
		}
		return true, nil
	})
}

// changeGroup applies change to a group's members; keep false deletes it.
func (s *Store) changeGroup(name string, change func(set map[string]bool, exists bool) (keep bool, err error)) error {
	if err := validGroupName(name); err != nil {
		return fmt.Errorf("group %q: %w: %v", name, ErrBadIdentifier, err)
	}
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		set := map[string]bool{}
		v := b.Get(groupKey(name))
		if v != nil {
			var members []string
			if err := json.Unmarshal(v, &members); err != nil {
				return err
			}
			for _, m := range members {
				set[m] = true
			}
		}
		keep, err := change(set, v != nil)
		if err != nil {
			return err
		}
		if !keep {
			return b.Delete(groupKey(name))
		}
		members := make([]string, 0, len(set))
		for m := range set {
			members = append(members, m)
		}
		sort.Strings(members)
		nv, err := json.Marshal(members)
		if err != nil {
			return err
		}
		return b.Put(groupKey(name), nv)
	})
	if err != nil {
		return fmt.Errorf("group %s: %w", name, err)
	}
	return s.loadGroups()
}
