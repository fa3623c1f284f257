package backup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"chapar/store"
)

// The mailbox list dump is Cyrus's ctl_mboxlist -d form, one line per
// mailbox, tab-separated: the internal name, the partition, then the ACL
// as identifier and rights pairs, each followed by a tab:
//
//	user.alice	default	alice	lrswipkxtecdan	bob	lr
//
// ctl_mboxlist -u reads it back; so does RestoreMboxlist.

// DumpMboxlist writes every mailbox of the list to w, in name order.
func DumpMboxlist(s *store.Store, w io.Writer) (int, error) {
	boxes, err := s.ListMailboxes("")
	if err != nil {
		return 0, fmt.Errorf("mboxlist dump: %w", err)
	}
	bw := bufio.NewWriter(w)
	for _, mb := range boxes {
		fmt.Fprintf(bw, "%s\t%s\t", mb.Name, mb.Partition)
		ids := make([]string, 0, len(mb.ACL))
		for id := range mb.ACL {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(bw, "%s\t%s\t", id, mb.ACL[id])
		}
		bw.WriteByte('\n')
	}
	return len(boxes), bw.Flush()
}

// MboxlistReport is what RestoreMboxlist did.
type MboxlistReport struct {
	Created []string `json:"created"` // mailboxes made, with the dump's ACL
	Updated []string `json:"updated"` // existing mailboxes whose ACL was set to the dump's
	Same    int      `json:"same"`    // existing mailboxes already as the dump has them
	Skipped []Line   `json:"skipped"` // lines that could not be applied, and why
}

// Line is one line of a dump that was not applied.
type Line struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// RestoreMboxlist reads a dump and recreates the mailboxes the store lacks
// (empty: the dump carries no messages), with their partitions and ACLs;
// a mailbox that exists gets the dump's ACL. A line that cannot be read or
// applied (a bad name or right, a partition this store lacks, a user's
// folder whose INBOX is missing) is listed and passed over.
func RestoreMboxlist(s *store.Store, r io.Reader) (*MboxlistReport, error) {
	rep := &MboxlistReport{Created: []string{}, Updated: []string{}, Skipped: []Line{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		skip := func(why string) {
			rep.Skipped = append(rep.Skipped, Line{Line: n, Text: text, Reason: why})
		}
		name, partition, acl, err := parseMboxlistLine(text)
		if err != nil {
			skip(err.Error())
			continue
		}
		mb, err := s.GetMailbox(name)
		created := false
		if errors.Is(err, store.ErrNoMailbox) {
			mb, err = s.CreateMailbox(name, store.CreateOptions{Partition: partition})
			created = err == nil
		}
		if err != nil {
			skip(err.Error())
			continue
		}
		changed, err := setACL(s, mb, acl)
		if err != nil {
			skip(err.Error())
			continue
		}
		switch {
		case created:
			rep.Created = append(rep.Created, name)
		case changed:
			rep.Updated = append(rep.Updated, name)
		default:
			rep.Same++
		}
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("mboxlist restore: %w", err)
	}
	return rep, nil
}

func parseMboxlistLine(text string) (name, partition string, acl map[string]string, err error) {
	f := strings.Split(text, "\t")
	if len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	if len(f) < 2 {
		return "", "", nil, errors.New("want NAME, PARTITION and ACL pairs separated by tabs")
	}
	name, partition = f[0], f[1]
	if err := store.ValidateName(name); err != nil {
		return "", "", nil, err
	}
	pairs := f[2:]
	if len(pairs)%2 != 0 {
		return "", "", nil, errors.New("the ACL is not identifier and rights pairs")
	}
	acl = map[string]string{}
	for i := 0; i < len(pairs); i += 2 {
		r, err := store.ParseRights(pairs[i+1])
		if err != nil {
			return "", "", nil, fmt.Errorf("rights of %s: %w", pairs[i], err)
		}
		acl[pairs[i]] = r.String()
	}
	return name, partition, acl, nil
}

// setACL makes mb's ACL exactly acl, and reports whether it changed.
func setACL(s *store.Store, mb *store.Mailbox, acl map[string]string) (bool, error) {
	changed := false
	for id := range mb.ACL {
		if _, keep := acl[id]; !keep {
			if err := s.DeleteACL(mb.Name, id); err != nil {
				return changed, err
			}
			changed = true
		}
	}
	ids := make([]string, 0, len(acl))
	for id := range acl {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if have, ok := mb.ACL[id]; ok && sameRights(have, acl[id]) {
			continue
		}
		if _, err := s.SetACL(mb.Name, id, acl[id]); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

func sameRights(a, b string) bool {
	ra, err1 := store.ParseRights(a)
	rb, err2 := store.ParseRights(b)
	return err1 == nil && err2 == nil && ra == rb
}
