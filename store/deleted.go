package store

// Delayed delete (Cyrus's delete_mode: delayed): DELETE moves a mailbox
// into the DELETED hierarchy instead of removing it, under Cyrus's name
// for it: "DELETED." + its name + "." + the time of the delete as
// hexadecimal seconds (user.alice.Work deleted at 0x5F2A3B1C becomes
// DELETED.user.alice.Work.5F2A3B1C; example.com!user.bob becomes
// example.com!DELETED.user.bob.5F2A3B1C). Only the mailbox named moves:
// its children stay where they are, as DELETE leaves them. Its index,
// kept expunges and metadata move with it (they are keyed by unique id),
// so an administrator can rename it back; only administrators see the
// DELETED hierarchy (MailboxRights), and cyr_expire -D (chapar expire -D)
// removes such mailboxes for good once they are old enough.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DeletedPrefix is the top of the DELETED hierarchy (Cyrus's
// deletedprefix, which chapar does not let change).
const DeletedPrefix = "DELETED"

// IsDeletedName reports whether name lies in the DELETED hierarchy.
func IsDeletedName(name string) bool {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	return name == DeletedPrefix || strings.HasPrefix(name, DeletedPrefix+".")
}

// notInDeleted refuses a new name in the DELETED hierarchy, which only
// DELETE fills (Cyrus refuses to create or rename into it too): a name
// there is what expire -D removes once its suffix is old enough.
func notInDeleted(name string) error {
	if IsDeletedName(name) {
		return fmt.Errorf("%w: %q: the %s hierarchy holds deleted mailboxes only", ErrBadName, name, DeletedPrefix)
	}
	return nil
}

// deletedName is the name a mailbox deleted at t takes.
func deletedName(name string, t time.Time) string {
	domain := ""
	if i := strings.IndexByte(name, '!'); i >= 0 {
		domain, name = name[:i+1], name[i+1:]
	}
	return fmt.Sprintf("%s%s.%s.%X", domain, DeletedPrefix, name, t.Unix())
}

// ParseDeletedName splits a name of the DELETED hierarchy into the name
// the mailbox had and when it was deleted; ok is false for any other name.
func ParseDeletedName(name string) (orig string, at time.Time, ok bool) {
	domain, body := "", name
	if i := strings.IndexByte(name, '!'); i >= 0 {
		domain, body = name[:i+1], name[i+1:]
	}
	rest, found := strings.CutPrefix(body, DeletedPrefix+".")
	if !found {
		return "", time.Time{}, false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return "", time.Time{}, false
	}
	secs, err := strconv.ParseInt(rest[i+1:], 16, 64)
	if err != nil || secs < 0 {
		return "", time.Time{}, false
	}
	return domain + rest[:i], time.Unix(secs, 0), true
}

// moveToDeleted writes mb's list entry under its DELETED name, in the
// transaction that removes the old entry. Two deletes of one name within
// a second take the next free second, so neither overwrites the other.
func moveToDeleted(list *bolt.Bucket, mb *Mailbox, now time.Time) error {
	t := now
	to := deletedName(mb.Name, t)
	for list.Get([]byte(to)) != nil {
		t = t.Add(time.Second)
		to = deletedName(mb.Name, t)
	}
	if err := ValidateName(to); err != nil {
		return err
	}
	moved := *mb
	moved.Name = to
	v, err := json.Marshal(&moved)
	if err != nil {
		return err
	}
	return list.Put([]byte(to), v)
}

// DeletedMailbox is a mailbox of the DELETED hierarchy.
type DeletedMailbox struct {
	Mailbox
	Original string    // the name it had
	Deleted  time.Time // when it was deleted
}

// DeletedMailboxes lists the DELETED hierarchy, of every domain.
func (s *Store) DeletedMailboxes() ([]DeletedMailbox, error) {
	all, err := s.ListMailboxes("")
	if err != nil {
		return nil, err
	}
	var out []DeletedMailbox
	for _, mb := range all {
		if orig, at, ok := ParseDeletedName(mb.Name); ok {
			out = append(out, DeletedMailbox{Mailbox: mb, Original: orig, Deleted: at})
		}
	}
	return out, nil
}
