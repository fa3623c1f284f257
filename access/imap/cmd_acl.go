package imap

import (
	"errors"
	"sort"
	"strings"

	"chapar/store"
)

// The ACL commands of RFC 4314 §3: SETACL, DELETEACL, GETACL, LISTRIGHTS
// and MYRIGHTS. All but MYRIGHTS take the administer right (§4); the
// rights themselves are store.Rights.

type setACLArgs struct{ mailbox, id, rights string }

func parseSetACL(p *parser) setACLArgs {
	var a setACLArgs
	p.sp()
	a.mailbox = p.astring()
	p.sp()
	a.id = p.astring()
	p.sp()
	a.rights = p.astring()
	p.end()
	return a
}

type identifierArgs struct{ mailbox, id string }

func parseIdentifier(p *parser) identifierArgs {
	var a identifierArgs
	p.sp()
	a.mailbox = p.astring()
	p.sp()
	a.id = p.astring()
	p.end()
	return a
}

// aclError answers a store refusal of an identifier or rights with BAD
// (RFC 4314 §3.1: "arguments invalid").
func (s *session) aclError(op string, err error) {
	if errors.Is(err, store.ErrBadIdentifier) || errors.Is(err, store.ErrBadRights) {
		xbad("%s: %v", op, err)
	}
	s.storeError(op, err)
}

func runSetACL(s *session, c *command, a setACLArgs) {
	mb, _, _ := s.lookupMailbox(a.mailbox, store.RightAdmin)
	if _, err := s.act().SetACL(mb.Name, a.id, a.rights); err != nil {
		s.aclError("SETACL", err)
	}
	s.refreshSelectedRights(mb)
}

func runDeleteACL(s *session, c *command, a identifierArgs) {
	mb, _, _ := s.lookupMailbox(a.mailbox, store.RightAdmin)
	if err := s.act().DeleteACL(mb.Name, a.id); err != nil {
		s.aclError("DELETEACL", err)
	}
	s.refreshSelectedRights(mb)
}

// refreshSelectedRights: a session that changes the ACL of the mailbox it
// has selected acts on the new rights at once; other sessions see them at
// their next SELECT, as in Cyrus.
func (s *session) refreshSelectedRights(mb *store.Mailbox) {
	if s.sel == nil || s.sel.mb.UniqueID != mb.UniqueID {
		return
	}
	if fresh, err := s.store().GetMailbox(mb.Name); err == nil {
		// The store's Actor checks against the ACL of the mailbox as
		// looked up: take the new one, on a copy, since the looked-up
		// mailbox may be shared.
		cp := *s.sel.mb
		cp.ACL = fresh.ACL
		s.sel.mb = &cp
		s.sel.rights = s.myRights(fresh)
	}
}

// runGetACL answers "* ACL mailbox id rights ...", identifiers sorted.
func runGetACL(s *session, c *command, raw string) {
	name, ext := s.resolveName(raw)
	mb, err := s.act().ACL(name)
	if isNoMailbox(err) {
		xno("NONEXISTENT", "mailbox %s does not exist", ext)
	} else if err != nil {
		s.storeError("GETACL", err)
	}
	ids := make([]string, 0, len(mb.ACL))
	for id := range mb.ACL {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b := s.appendMailbox([]byte("* ACL "), ext)
	for _, id := range ids {
		b = append(b, ' ')
		b = appendAstring(b, id, s.utf8Out())
		b = append(b, ' ')
		b = appendAstring(b, mb.ACL[id], s.utf8Out())
	}
	s.writef("%s", b)
}

// runListRights answers what may be granted to an identifier (RFC 4314
// §3.4): the rights it always holds (an owner's implicit lkxa), then every
// other right on its own, since each is granted alone, and the legacy c
// and d.
func runListRights(s *session, c *command, a identifierArgs) {
	mb, ext, _ := s.lookupMailbox(a.mailbox, store.RightAdmin)
	if strings.TrimPrefix(a.id, "-") == "" {
		xbad("LISTRIGHTS: empty identifier")
	}
	var required store.Rights
	if store.Owner(mb.Name) == store.NormalizeUser(a.id) {
		required = store.ImplicitOwnerRights
	}
	b := s.appendMailbox([]byte("* LISTRIGHTS "), ext)
	b = append(b, ' ')
	b = appendAstring(b, a.id, s.utf8Out())
	b = append(b, ' ')
	b = appendAstring(b, strings.NewReplacer("c", "", "d", "").Replace(required.String()), s.utf8Out())
	for _, l := range "lrswipkxtean" {
		r, _ := store.ParseRights(string(l))
		if !required.Has(r) {
			b = append(b, ' ', byte(l))
		}
	}
	b = append(b, " c d"...)
	s.writef("%s", b)
}

func runMyRights(s *session, c *command, raw string) {
	name, ext := s.resolveName(raw)
	mb, err := s.store().GetMailbox(name)
	if err != nil {
		if isNoMailbox(err) {
			xno("NONEXISTENT", "mailbox %s does not exist", ext)
		}
		s.storeError("MYRIGHTS", err)
	}
	// RFC 4314 §4: MYRIGHTS takes any right at all.
	if s.myRights(mb) == 0 {
		xno("NONEXISTENT", "mailbox %s does not exist", ext)
	}
	s.writeMyRights(mb, ext)
}

// writeMyRights writes "* MYRIGHTS mailbox rights" (RFC 4314 §3.8).
func (s *session) writeMyRights(mb *store.Mailbox, ext string) {
	b := s.appendMailbox([]byte("* MYRIGHTS "), ext)
	b = append(b, ' ')
	b = appendAstring(b, s.myRights(mb).String(), s.utf8Out())
	s.writef("%s", b)
}
