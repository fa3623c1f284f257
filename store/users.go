package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// User is an account of the built-in user store (sasl_pwcheck_method: chapar).
type User struct {
	Name         string    `json:"name"`
	PasswordHash string    `json:"password_hash"`
	Created      time.Time `json:"created"`
	// SCRAM holds the SCRAM keys per hash name ("SHA-1", "SHA-256"),
	// derived when the password is set (scram.go); a user whose password
	// was set before chapar derived them has none until it is set again.
	SCRAM map[string]SCRAMKeys `json:"scram,omitempty"`
}

// NormalizeUser is the store's key form of a user name: the user-name
// rule with every domain kept (the store has no defaultdomain; the access
// paths apply the configured UserRule before they get here), so the domain
// is in lower case and the local part keeps its case, as Cyrus does unless
// told otherwise.
func NormalizeUser(name string) string {
	return UserRule{VirtDomains: "on"}.Canonical(name)
}

func validUserName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("%w: user name length %d", ErrBadName, len(name))
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == '!' || r == '*' || r == '%' || r == '/' || r == '^' {
			return fmt.Errorf("%w: character %q in user name", ErrBadName, r)
		}
	}
	if strings.Count(name, "@") > 1 {
		return fmt.Errorf("%w: user name with more than one @", ErrBadName)
	}
	return nil
}

// AddUser creates a user and its INBOX.
func (s *Store) AddUser(name, password string) error {
	name = NormalizeUser(name)
	if err := validUserName(name); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	keys, err := newSCRAMKeys(password, s.opts.SCRAMIterations)
	if err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	u := User{Name: name, PasswordHash: string(hash), Created: time.Now().UTC(), SCRAM: keys}
	err = s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(name)) != nil {
			return ErrUserExists
		}
		v, err := json.Marshal(&u)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), v)
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	if _, err := s.CreateMailbox(UserInbox(name), CreateOptions{}); err != nil && !isExists(err) {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	return nil
}

// SetPassword replaces a user's password, and with it the SCRAM keys.
func (s *Store) SetPassword(name, password string) error {
	name = NormalizeUser(name)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	keys, err := newSCRAMKeys(password, s.opts.SCRAMIterations)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	return s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		var u User
		v := b.Get([]byte(name))
		if v == nil {
			return ErrNoUser
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		u.PasswordHash = string(hash)
		u.SCRAM = keys
		v, err := json.Marshal(&u)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), v)
	})
}

// GetUser returns a user, or ErrNoUser.
func (s *Store) GetUser(name string) (*User, error) {
	name = NormalizeUser(name)
	var u *User
	err := s.meta.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsers).Get([]byte(name))
		if v == nil {
			return ErrNoUser
		}
		u = new(User)
		return json.Unmarshal(v, u)
	})
	return u, err
}

// Authenticate checks a password against the built-in user store; a
// password verified within the last hour is checked against the auth
// cache instead of bcrypt. An unknown user is compared against a dummy
// hash before ErrNoUser is returned, so that it costs what a wrong
// password costs; every comparison waits for one of AuthConcurrency slots
// (bcryptgate.go).
func (s *Store) Authenticate(name, password string) (bool, error) {
	u, err := s.GetUser(name)
	if errors.Is(err, ErrNoUser) {
		if derr := s.bcrypt.compareUnknown(password); derr != nil {
			return false, fmt.Errorf("authenticate %s: %w", name, derr)
		}
		return false, err
	}
	if err != nil {
		return false, fmt.Errorf("authenticate %s: %w", name, err)
	}
	if s.auth.verified(u.Name, password, u.PasswordHash) {
		return true, nil
	}
	ok := s.auth.check(u.Name, password, u.PasswordHash, func() bool {
		return s.bcrypt.compare([]byte(u.PasswordHash), password)
	})
	if !ok {
		return false, nil
	}
	s.auth.remember(u.Name, password, u.PasswordHash)
	return true, nil
}

// ListUsers returns every user, sorted by name.
func (s *Store) ListUsers() ([]User, error) {
	var users []User
	err := s.meta.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %s: %w", k, err)
			}
			users = append(users, u)
			return nil
		})
	})
	return users, err
}

// DeleteUser removes a user and every mailbox it owns.
func (s *Store) DeleteUser(name string) error {
	name = NormalizeUser(name)
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(name)) == nil {
			return ErrNoUser
		}
		if err := deleteSieveUser(tx, name); err != nil {
			return err
		}
		// A user who comes back under the same name must not inherit
		// the old one's private metadata or URLAUTH keys either.
		if err := deleteUserMetadata(tx, name); err != nil {
			return err
		}
		if err := deleteUserURLAuthKeys(tx, name); err != nil {
			return err
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	// A user who comes back under the same name must not inherit the
	// rights the groups gave the old one.
	groups, err := s.Groups()
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	for group, members := range groups {
		if slices.Contains(members, name) {
			if err := s.RemoveFromGroup(group, name); err != nil {
				return fmt.Errorf("delete user %s: %w", name, err)
			}
		}
	}
	inbox := UserInbox(name)
	boxes, err := s.ListMailboxes(inbox)
	if err != nil {
		return err
	}
	// Children first, so that a crash half-way leaves no orphan below a
	// deleted parent.
	for i := len(boxes) - 1; i >= 0; i-- {
		if err := s.DeleteMailbox(boxes[i].Name); err != nil && !isNoMailbox(err) {
			return fmt.Errorf("delete user %s: %w", name, err)
		}
	}
	return nil
}
