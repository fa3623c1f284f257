package imap

import (
	"errors"
	"strings"

	"chapar/store"
)

// CREATE, DELETE, RENAME (RFC 9051 §6.3.4-6; CREATE's USE parameter is
// RFC 6154 §5.3), SUBSCRIBE and UNSUBSCRIBE (§6.3.7-8).

func parseOneName(p *parser) string {
	p.sp()
	name := p.astring()
	p.end()
	return name
}

type createArgs struct {
	name string
	use  []string
}

func parseCreate(p *parser) createArgs {
	var a createArgs
	p.sp()
	a.name = p.astring()
	if p.maybe(' ') {
		p.list(false, func() {
			if !p.maybeWord("USE") {
				xbad("CREATE parameter %s not supported", p.atom())
			}
			p.sp()
			p.list(true, func() {
				p.expect('\\')
				a.use = append(a.use, `\`+p.atom())
			})
		})
	}
	p.end()
	return a
}

// specialUses are the RFC 6154 §2 attributes, canonically spelled.
var specialUses = []string{`\All`, `\Archive`, `\Drafts`, `\Flagged`, `\Junk`, `\Sent`, `\Trash`}

func canonicalUse(u string) (string, bool) {
	for _, x := range specialUses {
		if strings.EqualFold(x, u) {
			return x, true
		}
	}
	return "", false
}

// mayCreate checks that the user may create a name: RFC 4314 §4 asks k on
// the parent; as Cyrus does, the nearest existing ancestor decides, so
// that missing superiors can be made on the way. A name with no ancestor
// (a top-level shared mailbox, a new user) is for administrators. The
// answer names no ancestor, so it tells nothing of mailboxes the user
// cannot see.
func (s *session) mayCreate(name, ext string) {
	for p := store.Parent(name); p != "" && !isUsersRoot(p); p = store.Parent(p) {
		mb, err := s.store().GetMailbox(p)
		if isNoMailbox(err) {
			continue
		}
		if err != nil {
			s.storeError("CREATE", err)
		}
		if s.myRights(mb).Has(store.RightCreate) {
			return
		}
		break
	}
	if !s.admin {
		xno("NOPERM", "permission denied: cannot create %s", ext)
	}
}

func runCreate(s *session, c *command, a createArgs) {
	raw := strings.TrimSuffix(a.name, string(s.ns.sep))
	name, ext := s.resolveName(raw)
	if ext == "INBOX" {
		xno("ALREADYEXISTS", "INBOX always exists")
	}
	s.mayCreate(name, ext)
	var opts store.CreateOptions
	if len(a.use) > 1 {
		xno("USEATTR", "only one special-use attribute per mailbox")
	}
	if len(a.use) == 1 {
		u, ok := canonicalUse(a.use[0])
		if !ok {
			xno("USEATTR", "unknown special-use attribute %s", a.use[0])
		}
		opts.SpecialUse = u
	}
	s.createSuperiors(name)
	if _, err := s.store().CreateMailbox(name, opts); err != nil {
		s.storeError("CREATE", err)
	}
}

// createSuperiors makes the missing parents of a new name, as RFC 9051
// §6.3.4 asks (SHOULD), stopping at the user's INBOX or the top.
func (s *session) createSuperiors(name string) {
	var missing []string
	for p := store.Parent(name); p != "" && !isUsersRoot(p); p = store.Parent(p) {
		if _, err := s.store().GetMailbox(p); err == nil {
			break
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		_, err := s.store().CreateMailbox(missing[i], store.CreateOptions{})
		if err != nil && !errors.Is(err, store.ErrMailboxExists) {
			s.storeError("CREATE", err)
		}
	}
}

// isUsersRoot: "user" or "domain!user", which is no mailbox.
func isUsersRoot(name string) bool {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	return name == "user"
}

func runDelete(s *session, c *command, raw string) {
	name, ext := s.resolveName(raw)
	if ext == "INBOX" {
		xno("CANNOT", "INBOX cannot be deleted")
	}
	mb, _, _ := s.lookupMailbox(raw, store.RightDeleteMbox)
	if err := s.store().DeleteMailbox(name); err != nil {
		s.storeError("DELETE", err)
	}
	if s.sel != nil && s.sel.mb.UniqueID == mb.UniqueID {
		s.unselect()
		s.writef("* OK [CLOSED] Selected mailbox deleted")
	}
}

type renameArgs struct{ from, to string }

func parseRename(p *parser) renameArgs {
	var a renameArgs
	p.sp()
	a.from = p.astring()
	p.sp()
	a.to = p.astring()
	p.end()
	return a
}

func runRename(s *session, c *command, a renameArgs) {
	from, _ := s.resolveName(a.from)
	to, toExt := s.resolveName(strings.TrimSuffix(a.to, string(s.ns.sep)))
	if toExt == "INBOX" {
		xno("ALREADYEXISTS", "INBOX always exists")
	}
	// RFC 4314 §4: RENAME takes x on the old name and k on the new
	// one's parent.
	s.lookupMailbox(a.from, store.RightDeleteMbox)
	s.mayCreate(to, toExt)
	s.createSuperiors(to)
	if err := s.store().RenameMailbox(from, to); err != nil {
		s.storeError("RENAME", err)
	}
	// RFC 9051 §6.3.6: renaming INBOX moves its messages to a new
	// mailbox and leaves INBOX, and the names below it, where they are;
	// so do the subscriptions.
	if !isUserInbox(from) {
		s.renameSubscriptions(from, to)
	}
}

// isUserInbox: name is some user's INBOX ("user.alice"), which RENAME
// treats specially.
func isUserInbox(name string) bool {
	owner := store.Owner(name)
	return owner != "" && name == store.UserInbox(owner)
}

// renameSubscriptions moves the user's subscriptions along with a rename,
// as Cyrus does, so that a renamed folder stays subscribed.
func (s *session) renameSubscriptions(from, to string) {
	subs, err := s.store().Subscriptions(s.user)
	if err != nil {
		return
	}
	for _, n := range subs {
		if n != from && !strings.HasPrefix(n, from+".") {
			continue
		}
		if s.store().Subscribe(s.user, to+n[len(from):]) == nil {
			s.store().Unsubscribe(s.user, n)
		}
	}
}

func runSubscribe(s *session, c *command, raw string) {
	// RFC 9051 §6.3.7 lets a name be subscribed whether or not it
	// exists; one the user may not see is answered alike (RFC 4314 §4),
	// and LIST shows it as it shows a missing one.
	name, _ := s.resolveName(raw)
	if err := s.store().Subscribe(s.user, name); err != nil {
		s.storeError("SUBSCRIBE", err)
	}
}

func runUnsubscribe(s *session, c *command, raw string) {
	name, _ := s.resolveName(raw)
	if err := s.store().Unsubscribe(s.user, name); err != nil {
		s.storeError("UNSUBSCRIBE", err)
	}
}
