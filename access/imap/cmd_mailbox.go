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

// createError answers a refused CREATE (or RENAME's target): the refusal
// names no ancestor, so it tells nothing of mailboxes the user cannot see.
func (s *session) createError(ext string, err error) {
	if errors.Is(err, store.ErrPermission) {
		xno("NOPERM", "permission denied: cannot create %s", ext)
	}
	s.storeError("CREATE", err)
}

func runCreate(s *session, c *command, a createArgs) {
	raw := strings.TrimSuffix(a.name, string(s.ns.sep))
	name, ext := s.resolveName(raw)
	if ext == "INBOX" {
		xno("ALREADYEXISTS", "INBOX always exists")
	}
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
	mb, err := s.act().CreateMailbox(name, opts)
	if err != nil {
		s.createError(ext, err)
	}
	// RFC 8474 §4.1: the new mailbox's MAILBOXID.
	c.code = "MAILBOXID (" + mailboxID(mb) + ")"
}

func runDelete(s *session, c *command, raw string) {
	name, ext := s.resolveName(raw)
	if ext == "INBOX" {
		xno("CANNOT", "INBOX cannot be deleted")
	}
	mb, err := s.act().DeleteMailbox(name)
	if isNoMailbox(err) {
		xno("NONEXISTENT", "mailbox %s does not exist", ext)
	} else if err != nil {
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
	from, fromExt := s.resolveName(a.from)
	to, toExt := s.resolveName(strings.TrimSuffix(a.to, string(s.ns.sep)))
	if toExt == "INBOX" {
		xno("ALREADYEXISTS", "INBOX always exists")
	}
	// RFC 4314 §4: RENAME takes x on the old name and k on the new
	// one's parent; the store's Actor checks both.
	if err := s.act().RenameMailbox(from, to); err != nil {
		var denied *store.DeniedError
		switch {
		case isNoMailbox(err):
			xno("NONEXISTENT", "mailbox %s does not exist", fromExt)
		case errors.As(err, &denied) && denied.Mailbox == to:
			s.createError(toExt, err)
		}
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
	subs, err := s.act().Subscriptions()
	if err != nil {
		return
	}
	for _, n := range subs {
		if n != from && !strings.HasPrefix(n, from+".") {
			continue
		}
		if s.act().Subscribe(to+n[len(from):]) == nil {
			s.act().Unsubscribe(n)
		}
	}
}

func runSubscribe(s *session, c *command, raw string) {
	// RFC 9051 §6.3.7 lets a name be subscribed whether or not it
	// exists; one the user may not see is answered alike (RFC 4314 §4),
	// and LIST shows it as it shows a missing one.
	name, _ := s.resolveName(raw)
	if err := s.act().Subscribe(name); err != nil {
		s.storeError("SUBSCRIBE", err)
	}
}

func runUnsubscribe(s *session, c *command, raw string) {
	name, _ := s.resolveName(raw)
	if err := s.act().Unsubscribe(name); err != nil {
		s.storeError("UNSUBSCRIBE", err)
	}
}
