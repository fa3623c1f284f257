package store

import (
	"fmt"
	"slices"
)

// RemoveMessages expunges the given messages whether or not they carry
// \Deleted, in one commit with one MessageExpunge event naming service:
// POP3's UPDATE state (RFC 1939 §6), where DELE marks messages only in
// the session and QUIT removes them together, as Cyrus's pop3d does under
// one mailbox lock. UIDs no longer in the mailbox (another session
// expunged them first) are skipped. It returns the UIDs removed, in
// ascending order.
func (s *Store) RemoveMessages(mb *Mailbox, uids []uint32, service string) ([]uint32, error) {
	candidates := slices.Clone(uids)
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	if len(candidates) == 0 {
		return nil, nil
	}
	gone, err := updateMailbox(s, mb, func(u *mailboxUpdate) ([]uint32, error) {
		var doomed []*Message
		for _, uid := range candidates {
			m, err := u.message(uid)
			if err != nil {
				return nil, err
			}
			if m != nil {
				doomed = append(doomed, m)
			}
		}
		return u.expunge(doomed, service)
	})
	if err != nil {
		return nil, fmt.Errorf("remove from %s: %w", mb.Name, err)
	}
	return gone, nil
}

// RemoveMessages is Store.RemoveMessages with the rights of a \Deleted
// flag and an expunge together (RFC 4314 §4: t and e), as Cyrus asks of
// a POP3 DELE.
func (a Actor) RemoveMessages(mb *Mailbox, uids []uint32, service string) ([]uint32, error) {
	if _, err := a.check(mb, RightDeleteMsg|RightExpunge); err != nil {
		return nil, err
	}
	return a.s.RemoveMessages(mb, uids, service)
}
