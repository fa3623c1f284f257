package imap

import (
	"strings"

	"chapar/store"
)

// Rights as IMAP shows them: MYRIGHTS, PERMANENTFLAGS, READ-ONLY. The
// checks themselves are the store's (store.Actor, reached through
// session.act): every command that opens or changes a mailbox calls the
// actor, which refuses what the ACL does not grant, so IMAP, POP3 and LMTP
// posting enforce the same rights in the same place.

// myRights is what the session's user holds on mb.
func (s *session) myRights(mb *store.Mailbox) store.Rights {
	return s.act().RightsOn(mb)
}

// writeRights are those that change a mailbox's messages; with none of
// them a SELECT is read-only.
const writeRights = store.RightSeen | store.RightWrite | store.RightDeleteMsg | store.RightInsert | store.RightExpunge

// permanentFlags lists the flags the user may change for good (RFC 9051
// §7.1: PERMANENTFLAGS), by their rights; \* only with w.
func permanentFlags(r store.Rights, keywords []string) string {
	var out []string
	for _, f := range []string{`\Answered`, `\Flagged`, `\Deleted`, `\Seen`, `\Draft`} {
		if r.Has(store.FlagRight(f)) {
			out = append(out, f)
		}
	}
	if r.Has(store.RightWrite) {
		out = append(out, keywords...)
		out = append(out, `\*`)
	}
	return strings.Join(out, " ")
}
