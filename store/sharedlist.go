package store

import "sync"

// sharedList remembers which mailboxes grant rights to someone besides
// their owner: with a user's own hierarchy, the only ones LIST can show a
// user who is not an admin. Finding them takes a scan of the whole list
// (about 10 µs a mailbox, for the JSON), so the answer is kept until the
// next change of the list (create, delete, rename, an ACL change), which
// the mailbox cache's generation counts.
type sharedList struct {
	mu   sync.Mutex
	gen  uint64
	ok   bool
	list []Mailbox
}

// SharedMailboxes lists the mailboxes whose ACL names an identifier other
// than their owner, in name order. The records are shared between callers:
// they must not be changed.
func (s *Store) SharedMailboxes() ([]Mailbox, error) {
	gen := s.mboxes.generation()
	s.shared.mu.Lock()
	if s.shared.ok && s.shared.gen == gen {
		list := s.shared.list
		s.shared.mu.Unlock()
		return list, nil
	}
	s.shared.mu.Unlock()
	all, err := s.ListMailboxes("")
	if err != nil {
		return nil, err
	}
	var list []Mailbox
	for i := range all {
		if grantsOthers(&all[i]) {
			list = append(list, all[i])
		}
	}
	s.shared.mu.Lock()
	// A change that came during the scan leaves the next caller to scan
	// again.
	if gen == s.mboxes.generation() {
		s.shared.gen, s.shared.ok, s.shared.list = gen, true, list
	}
	s.shared.mu.Unlock()
	return list, nil
}

func grantsOthers(mb *Mailbox) bool {
	owner := Owner(mb.Name)
	for id := range mb.ACL {
		if id != owner {
			return true
		}
	}
	return false
}
