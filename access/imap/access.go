package imap

import (
	"errors"
	"unicode/utf8"

	"chapar/store"
)

// How a session finds mailboxes: wire name → UTF-8 name → internal name;
// what the user may do with one is rights.go's.

func (s *session) store() *store.Store { return s.srv.cfg.Store }

// act is the store as the session's user sees it: every change and every
// open goes through it, and it checks the ACL (store.Actor).
func (s *session) act() store.Actor { return s.store().As(s.user, s.admin) }

// utf8Out: names and strings may be sent as UTF-8 (RFC 6855, RFC 9051).
func (s *session) utf8Out() bool { return s.utf8 || s.rev2 }

// decodeName turns a mailbox name as sent into UTF-8: modified UTF-7 for
// IMAP4rev1 clients (RFC 3501 §5.1.3), UTF-8 otherwise. A rev1 client that
// sends raw UTF-8 is understood rather than refused. A name that is
// neither is a well-formed astring naming no possible mailbox, so it gets
// NO [CANNOT] (RFC 5530 §3), as Cyrus and Dovecot answer, not BAD.
func (s *session) decodeName(raw string) string {
	if !utf8.ValidString(raw) {
		xno("CANNOT", "mailbox name is not valid UTF-8")
	}
	if s.utf8Out() {
		return raw
	}
	name, err := decodeMUTF7(raw)
	if err != nil {
		for i := 0; i < len(raw); i++ {
			if raw[i] >= 0x80 {
				return raw
			}
		}
		xno("CANNOT", "mailbox name %q is not valid modified UTF-7", raw)
	}
	return name
}

// encodeName is decodeName's reverse, for responses.
func (s *session) encodeName(name string) string {
	if s.utf8Out() {
		return name
	}
	return encodeMUTF7(name)
}

// appendMailbox writes an external name as a mailbox (RFC 9051 §9).
func (s *session) appendMailbox(b []byte, ext string) []byte {
	if isInbox(ext) {
		return append(b, "INBOX"...)
	}
	return appendAstring(b, s.encodeName(ext), s.utf8Out())
}

// resolveName maps a wire name to (internal, external) or fails with NO.
func (s *session) resolveName(raw string) (internal, external string) {
	ext := s.decodeName(raw)
	if isInbox(ext) {
		ext = "INBOX"
	}
	name, ok := s.ns.internal(ext)
	if !ok {
		xno("CANNOT", "invalid mailbox name %q", ext)
	}
	return name, ext
}

// lookupMailbox finds a mailbox on which the user holds need, else NO:
// NONEXISTENT for one the user may not see, as for a missing one (RFC
// 4314 §4), NOPERM for one they see without the rights (RFC 5530 §3).
func (s *session) lookupMailbox(raw string, need store.Rights) (*store.Mailbox, string, store.Rights) {
	name, ext := s.resolveName(raw)
	mb, have, err := s.act().Mailbox(name, need)
	if err != nil {
		if isNoMailbox(err) {
			xno("NONEXISTENT", "mailbox %s does not exist", ext)
		}
		s.storeError(ext, err)
	}
	return mb, ext, have
}

// storeError turns a store error into a tagged NO with the RFC 5530 code
// that says what happened.
func (s *session) storeError(op string, err error) {
	prefix := ""
	if op != "" {
		prefix = op + ": "
	}
	var denied *store.DeniedError
	switch {
	case errors.As(err, &denied):
		if denied.What != "" {
			xno("NOPERM", "%s%s", prefix, denied.What)
		}
		xno("NOPERM", "%spermission denied: %s needed", prefix, denied.Need)
	case errors.Is(err, store.ErrNoMailbox):
		xno("NONEXISTENT", "%smailbox does not exist", prefix)
	case errors.Is(err, store.ErrMailboxExists):
		xno("ALREADYEXISTS", "%smailbox already exists", prefix)
	case errors.Is(err, store.ErrBadName):
		xno("CANNOT", "%sinvalid mailbox name", prefix)
	case errors.Is(err, store.ErrNoMessage):
		xno("EXPUNGEISSUED", "%smessage was expunged", prefix)
	case errors.Is(err, store.ErrOverQuota):
		// RFC 9208 §5.1: COPY or MOVE that does not fit.
		xno("OVERQUOTA", "%sQuota exceeded", prefix)
	case store.NoSpace(err):
		// RFC 5530 §3 OVERQUOTA, in Dovecot's words for a full disk: the
		// client may retry later, and this is no bug to report.
		s.log.Warn("store: out of disk space", "op", op, "err", err)
		xno("OVERQUOTA", "Not enough disk space")
	}
	s.log.Error("store", "op", op, "err", err)
	xno("SERVERBUG", "%sinternal error", prefix)
}

// unselect leaves the selected state without expunging.
func (s *session) unselect() {
	if s.sel == nil {
		return
	}
	s.sel.close()
	s.sel = nil
	s.saved = nil
	if s.state == stateSelected {
		s.state = stateAuth
	}
}

func isNoMailbox(err error) bool { return errors.Is(err, store.ErrNoMailbox) }
