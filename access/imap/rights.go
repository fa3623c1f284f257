package imap

import (
	"strings"

	"chapar/store"
)

// The access layer of IMAP: every command that names a mailbox asks
// require (or myRights) for the rights RFC 4314 §4 lists for it, and
// store.MailboxRights is the one place those are computed, for IMAP as for
// LMTP. The store's writers (deliver, the admin socket) are not checked:
// they act for the system, as Cyrus's own tools do.

// myRights is what the session's user holds on mb.
func (s *session) myRights(mb *store.Mailbox) store.Rights {
	return s.store().MailboxRights(mb, s.user, s.admin)
}

// require fails the command unless the user holds every right of need on
// mb. A user without the lookup right is told the mailbox does not exist,
// exactly as for a missing one, so that names don't leak (RFC 4314 §4:
// "the server MUST NOT reveal existence"); one who can see it but lacks a
// right gets NO [NOPERM] (RFC 5530 §3).
func (s *session) require(mb *store.Mailbox, ext string, need store.Rights) store.Rights {
	have := s.myRights(mb)
	if have.Has(need) {
		return have
	}
	if !have.Has(store.RightLookup) {
		xno("NONEXISTENT", "mailbox %s does not exist", ext)
	}
	xno("NOPERM", "permission denied on %s: %s needed", ext, need&^have)
	panic("unreachable")
}

// requireSelected checks a right on the selected mailbox, held since
// SELECT as Cyrus keeps it for the session.
func (s *session) requireSelected(need store.Rights, what string) {
	if !s.sel.rights.Has(need) {
		xno("NOPERM", "permission denied: %s needs %s", what, need&^s.sel.rights)
	}
}

// visible reports whether LIST shows a mailbox (RFC 4314 §4: l).
func (s *session) visible(mb *store.Mailbox) bool {
	return s.myRights(mb).Has(store.RightLookup)
}

// writeRights are those that change a mailbox's messages; with none of
// them a SELECT is read-only.
const writeRights = store.RightSeen | store.RightWrite | store.RightDeleteMsg | store.RightInsert | store.RightExpunge

// flagRight is the right that setting or clearing a flag takes (RFC 4314
// §4, STORE): s for \Seen, t for \Deleted, w for every other.
func flagRight(flag string) store.Rights {
	switch {
	case strings.EqualFold(flag, `\Seen`):
		return store.RightSeen
	case strings.EqualFold(flag, `\Deleted`):
		return store.RightDeleteMsg
	}
	return store.RightWrite
}

// storeRights are the rights a STORE takes: those of the flags it names,
// and, for a FLAGS replacement, which may clear any flag, all three.
func storeRights(op store.FlagOp, flags []string) store.Rights {
	if op == store.FlagsReplace {
		return store.RightSeen | store.RightDeleteMsg | store.RightWrite
	}
	var need store.Rights
	for _, f := range flags {
		need |= flagRight(f)
	}
	return need
}

// permanentFlags lists the flags the user may change for good (RFC 9051
// §7.1: PERMANENTFLAGS), by their rights; \* only with w.
func permanentFlags(r store.Rights, keywords []string) string {
	var out []string
	for _, f := range []string{`\Answered`, `\Flagged`, `\Deleted`, `\Seen`, `\Draft`} {
		if r.Has(flagRight(f)) {
			out = append(out, f)
		}
	}
	if r.Has(store.RightWrite) {
		out = append(out, keywords...)
		out = append(out, `\*`)
	}
	return strings.Join(out, " ")
}
