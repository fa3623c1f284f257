package store

import (
	"errors"
	"fmt"
	"strings"
)

// Rights is a set of RFC 4314 §2.1 access rights, one bit a letter.
type Rights uint16

// The rights, in the order RFC 4314 §2.1 lists them; n is Cyrus's right to
// write shared annotations (RFC 5464 §3.1).
const (
	RightLookup     Rights = 1 << iota // l: LIST sees it
	RightRead                          // r: SELECT, EXAMINE, STATUS, FETCH, SEARCH, COPY from
	RightSeen                          // s: keep \Seen
	RightWrite                         // w: flags other than \Seen and \Deleted
	RightInsert                        // i: APPEND, COPY/MOVE into
	RightPost                          // p: LMTP delivery to this mailbox (as a submailbox)
	RightCreate                        // k: CREATE below, RENAME to below
	RightDeleteMbox                    // x: DELETE, RENAME from
	RightDeleteMsg                     // t: set or clear \Deleted
	RightExpunge                       // e: EXPUNGE
	RightAdmin                         // a: SETACL, DELETEACL, GETACL, LISTRIGHTS
	RightAnnotate                      // n: write shared annotations
)

// AllRights is what an administrator holds everywhere, and what Cyrus
// shows for an owner (GETACL answers "lrswipkxtecdan").
const AllRights = RightLookup | RightRead | RightSeen | RightWrite | RightInsert | RightPost |
	RightCreate | RightDeleteMbox | RightDeleteMsg | RightExpunge | RightAdmin | RightAnnotate

// Cyrus's legacy rights of RFC 2086, which RFC 4314 §2.1.1 lets a server
// keep as macros: "c" is k and x (create and delete mailboxes), "d" is t and
// e (delete and expunge messages). Cyrus 3 announces this as RIGHTS=kxten.
const (
	legacyCreate = RightCreate | RightDeleteMbox
	legacyDelete = RightDeleteMsg | RightExpunge
)

// rightLetters lists the real rights in the order of their bits.
const rightLetters = "lrswipkxtean"

// ImplicitOwnerRights are those a user always holds on their own mailboxes,
// whatever the ACL says, so that nobody locks themselves out (Cyrus's
// implicit_owner_rights, default "lkxa").
const ImplicitOwnerRights = RightLookup | RightCreate | RightDeleteMbox | RightAdmin

// ErrBadRights is a rights string with a letter RFC 4314 does not define.
var ErrBadRights = errors.New("invalid rights")

// ParseRights reads a rights string ("lrs", "kxte", legacy "cd").
func ParseRights(s string) (Rights, error) {
	var r Rights
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'c':
			r |= legacyCreate
		case 'd':
			r |= legacyDelete
		default:
			j := strings.IndexByte(rightLetters, c)
			if j < 0 {
				return 0, fmt.Errorf("%w: %q in %q", ErrBadRights, c, s)
			}
			r |= 1 << j
		}
	}
	return r, nil
}

// String spells the rights as Cyrus does: the RFC 4314 letters, then "c"
// when both halves of legacy create are held and "d" likewise, so that full
// rights read "lrswipkxtecdan".
func (r Rights) String() string {
	var b strings.Builder
	for _, c := range []byte("lrswipkxte") {
		if r&(1<<strings.IndexByte(rightLetters, c)) != 0 {
			b.WriteByte(c)
		}
	}
	if r&legacyCreate == legacyCreate {
		b.WriteByte('c')
	}
	if r&legacyDelete == legacyDelete {
		b.WriteByte('d')
	}
	if r&RightAdmin != 0 {
		b.WriteByte('a')
	}
	if r&RightAnnotate != 0 {
		b.WriteByte('n')
	}
	return b.String()
}

// Has reports whether every right of want is held.
func (r Rights) Has(want Rights) bool { return r&want == want }

// HasAny reports whether any right of want is held.
func (r Rights) HasAny(want Rights) bool { return r&want != 0 }
