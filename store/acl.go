package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Access control lists (RFC 4314) with Cyrus's semantics. A mailbox's ACL
// maps an identifier to rights; an identifier starting with "-" holds
// negative rights, taken away from whatever the positive entries grant
// (RFC 4314 §2). Identifiers are user names, "anyone" (every user,
// anonymous too), "anonymous" (only an anonymous login) and "group:NAME".
// Rights is the one function every protocol asks.

// The special identifiers of RFC 4314 §2 and Cyrus.
const (
	IDAnyone    = "anyone"
	IDAnonymous = "anonymous"
	GroupPrefix = "group:"
)

// ErrBadIdentifier is an ACL identifier no user, group or special name can have.
var ErrBadIdentifier = errors.New("invalid ACL identifier")

// DefaultACL is Cyrus's defaultacl: the ACL of a new top-level shared
// mailbox.
const DefaultACL = "anyone lrs"

// ParseACL reads an ACL as imapd.conf's defaultacl spells it: pairs of
// identifier and rights separated by spaces ("anyone lrs group:staff lrswi").
func ParseACL(s string) (map[string]string, error) {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("ACL %q: identifier without rights", s)
	}
	acl := map[string]string{}
	for i := 0; i < len(f); i += 2 {
		id, err := normalizeIdentifier(f[i])
		if err != nil {
			return nil, err
		}
		r, err := ParseRights(f[i+1])
		if err != nil {
			return nil, err
		}
		acl[id] = r.String()
	}
	return acl, nil
}

// normalizeIdentifier checks an identifier and spells it as stored: user
// names as NormalizeUser gives them, the specials in lower case.
func normalizeIdentifier(id string) (string, error) {
	neg := strings.HasPrefix(id, "-")
	name := strings.TrimPrefix(id, "-")
	sign := ""
	if neg {
		sign = "-"
	}
	switch {
	case strings.EqualFold(name, IDAnyone), strings.EqualFold(name, IDAnonymous):
		return sign + strings.ToLower(name), nil
	case strings.HasPrefix(strings.ToLower(name), GroupPrefix):
		g := name[len(GroupPrefix):]
		if err := validGroupName(g); err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrBadIdentifier, id, err)
		}
		return sign + GroupPrefix + g, nil
	}
	user := NormalizeUser(name)
	if err := validUserName(user); err != nil || strings.HasPrefix(user, "-") || strings.HasPrefix(user, "@") || strings.HasSuffix(name, "@") {
		return "", fmt.Errorf("%w: %q", ErrBadIdentifier, id)
	}
	return sign + user, nil
}

// Rights computes what user holds on a mailbox (RFC 4314 §2): the union of
// the positive entries naming the user, anyone, or a group of theirs, less
// the union of the negative ones. An administrator holds every right; an
// owner at least ImplicitOwnerRights. A missing mailbox is ErrNoMailbox.
func (s *Store) Rights(user string, isAdmin bool, mailbox string) (Rights, error) {
	mb, err := s.GetMailbox(mailbox)
	if err != nil {
		return 0, err
	}
	return s.MailboxRights(mb, user, isAdmin), nil
}

// MailboxRights is Rights for a mailbox already looked up.
func (s *Store) MailboxRights(mb *Mailbox, user string, isAdmin bool) Rights {
	if isAdmin {
		return AllRights
	}
	// The DELETED hierarchy is the administrators' alone (delete_mode:
	// delayed, deleted.go), whatever ACL the mailbox had before.
	if IsDeletedName(mb.Name) {
		return 0
	}
	groups := s.groups.of(user)
	var pos, neg Rights
	for id, str := range mb.ACL {
		r, err := ParseRights(str)
		if err != nil {
			continue // written by ParseRights' own String: cannot happen
		}
		target, negative := strings.CutPrefix(id, "-")
		if !identifierMatches(target, user, groups) {
			continue
		}
		if negative {
			neg |= r
		} else {
			pos |= r
		}
	}
	r := pos &^ neg
	if user != "" && user != IDAnonymous && Owner(mb.Name) == user {
		r |= ImplicitOwnerRights
	}
	return r
}

func identifierMatches(id, user string, groups map[string]bool) bool {
	switch {
	case id == IDAnyone:
		return true
	case id == IDAnonymous:
		return user == IDAnonymous
	case strings.HasPrefix(id, GroupPrefix):
		return groups[id[len(GroupPrefix):]]
	}
	return id == user && user != IDAnonymous
}

// SetACL changes one entry of a mailbox's ACL as RFC 4314 §3.1 SETACL
// does: rights starting with "+" are added, with "-" taken away, otherwise
// they replace the entry; an entry left empty is removed. It returns the
// entry's new rights.
func (s *Store) SetACL(mailbox, id, rights string) (string, error) {
	id, err := normalizeIdentifier(id)
	if err != nil {
		return "", err
	}
	mod := byte(0)
	if rights != "" && (rights[0] == '+' || rights[0] == '-') {
		mod, rights = rights[0], rights[1:]
	}
	r, err := ParseRights(rights)
	if err != nil {
		return "", err
	}
	var result string
	err = s.updateACL(mailbox, id, func(acl map[string]string) string {
		old, _ := ParseRights(acl[id])
		switch mod {
		case '+':
			r = old | r
		case '-':
			r = old &^ r
		}
		if r == 0 {
			delete(acl, id)
			return ""
		}
		result = r.String()
		acl[id] = result
		return result
	})
	return result, err
}

// DeleteACL removes an identifier's entry (RFC 4314 §3.2 DELETEACL).
func (s *Store) DeleteACL(mailbox, id string) error {
	id, err := normalizeIdentifier(id)
	if err != nil {
		return err
	}
	return s.updateACL(mailbox, id, func(acl map[string]string) string {
		delete(acl, id)
		return ""
	})
}

// updateACL rewrites a mailbox's list entry with a changed ACL, in one
// transaction with its AclChange event, under the lock that orders every
// change of the list. change returns the identifier's new rights.
func (s *Store) updateACL(mailbox, id string, change func(map[string]string) string) error {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	err := s.meta.Update(func(tx *bolt.Tx) error {
		list := tx.Bucket(bucketMboxList)
		v := list.Get([]byte(mailbox))
		if v == nil {
			return ErrNoMailbox
		}
		var mb Mailbox
		if err := json.Unmarshal(v, &mb); err != nil {
			return err
		}
		if mb.ACL == nil {
			mb.ACL = map[string]string{}
		}
		rights := change(mb.ACL)
		nv, err := json.Marshal(&mb)
		if err != nil {
			return err
		}
		if err := list.Put([]byte(mailbox), nv); err != nil {
			return err
		}
		return appendEvent(tx, &Event{Type: AclChange, Mailbox: mailbox, MailboxID: mb.UniqueID,
			UIDValidity: mb.UIDValidity, ACLIdentifier: id, ACLRights: rights})
	})
	s.mboxes.forgetAll()
	if err != nil {
		return fmt.Errorf("acl of %s: %w", mailbox, err)
	}
	s.outbox.notify()
	return nil
}

// initialACL is the ACL a new mailbox starts with, as Cyrus gives it: a
// copy of the nearest existing parent's; with none, a user's mailbox gives
// its owner every right and a top-level shared one gets defaultacl.
func (s *Store) initialACL(name string) map[string]string {
	for p := Parent(name); p != "" && !isUserRoot(p); p = Parent(p) {
		if parent, err := s.GetMailbox(p); err == nil {
			acl := make(map[string]string, len(parent.ACL))
			for id, r := range parent.ACL {
				acl[id] = r
			}
			return acl
		}
	}
	if owner := Owner(name); owner != "" {
		return map[string]string{owner: ownerRights}
	}
	acl := make(map[string]string, len(s.defaultACL))
	for id, r := range s.defaultACL {
		acl[id] = r
	}
	return acl
}

// isUserRoot: "user" or "domain!user", the root of the users' hierarchy,
// which is no mailbox.
func isUserRoot(name string) bool {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	return name == "user"
}

// MayPost reports whether LMTP may file a message into mb for a
// plus-address (user+folder) or postuser+folder: Cyrus's lmtpd checks the
// p right of the sender, who is not logged in, so in practice "anyone"
// (or "anonymous") must hold p on the mailbox (Cyrus FAQ, plus
// addressing). A user's INBOX needs no p: callers ask only for folders.
func (s *Store) MayPost(mb *Mailbox) bool {
	return s.MailboxRights(mb, IDAnonymous, false).Has(RightPost)
}
