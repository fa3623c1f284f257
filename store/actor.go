package store

import (
	"errors"
	"fmt"
	"strings"
)

// Actor is the store as one user sees it. Every call that names a mailbox
// first checks the rights RFC 4314 §4 asks of it, so that IMAP, POP3 and
// whatever protocol comes next enforce the same ACL by calling the same
// methods, and none of them can forget a check. The Store's own methods
// stay unchecked: they are for the system (deliver, the admin socket,
// repairs), which acts for everyone, as Cyrus's own tools do.
//
// The rights are those of the *Mailbox passed in, as it was looked up: a
// session acts on the ACL it opened the mailbox with until it looks the
// mailbox up again. Reading the messages of a mailbox the actor has opened (Mailbox with
// RightRead) goes to the Store directly, as a file once opened is read
// without asking again: the check is at the open, and a right taken away
// meanwhile applies at the next one, as in Cyrus.
type Actor struct {
	s     *Store
	user  string
	admin bool
}

// As returns the store as user sees it; admin grants every right.
func (s *Store) As(user string, admin bool) Actor {
	return Actor{s: s, user: user, admin: admin}
}

// ErrPermission is an operation the ACL does not grant; the error is a
// *DeniedError saying which rights were missing.
var ErrPermission = errors.New("permission denied")

// DeniedError is a refusal by the ACL: the mailbox is visible to the user
// (who holds l on it) but lacks Need.
type DeniedError struct {
	Mailbox string
	Need    Rights // the rights missing
	What    string // what was refused, when no right names it (SETQUOTA)
}

func (e *DeniedError) Error() string {
	if e.What != "" {
		return fmt.Sprintf("%s: %s", e.What, ErrPermission)
	}
	return fmt.Sprintf("%s on %s: %s needed", ErrPermission, e.Mailbox, e.Need)
}

func (e *DeniedError) Is(target error) bool { return target == ErrPermission }

// User is the actor's user name.
func (a Actor) User() string { return a.user }

// RightsOn is what the actor holds on mb.
func (a Actor) RightsOn(mb *Mailbox) Rights { return a.s.MailboxRights(mb, a.user, a.admin) }

// Visible reports whether the actor may know mb exists (RFC 4314 §4: l).
func (a Actor) Visible(mb *Mailbox) bool { return a.RightsOn(mb).Has(RightLookup) }

// check grants need on mb or says why not. A mailbox the actor may not
// see is ErrNoMailbox, exactly as a missing one, so that names don't leak
// (RFC 4314 §4: "the server MUST NOT reveal existence"); one it can see is
// a *DeniedError. Holding need is enough without l: a mailbox open for
// posting (i) need not be listed.
func (a Actor) check(mb *Mailbox, need Rights) (Rights, error) {
	have := a.RightsOn(mb)
	if have.Has(need) {
		return have, nil
	}
	if !have.Has(RightLookup) {
		return have, fmt.Errorf("%s: %w", mb.Name, ErrNoMailbox)
	}
	return have, &DeniedError{Mailbox: mb.Name, Need: need &^ have}
}

// Mailbox finds a mailbox on which the actor holds need, and what it
// holds there.
func (a Actor) Mailbox(name string, need Rights) (*Mailbox, Rights, error) {
	mb, err := a.s.GetMailbox(name)
	if err != nil {
		return nil, 0, err
	}
	have, err := a.check(mb, need)
	if err != nil {
		return nil, have, err
	}
	return mb, have, nil
}

// Mailboxes lists every mailbox the actor may see: an administrator all of
// them, anyone else their own hierarchy and the shared mailboxes whose ACL
// grants them l (the store keeps a list of those rather than reading every
// ACL at each LIST).
func (a Actor) Mailboxes() ([]Mailbox, error) {
	if a.admin {
		return a.s.ListMailboxes("")
	}
	own, err := a.s.ListMailboxes(UserInbox(a.user))
	if err != nil {
		return nil, err
	}
	shared, err := a.s.SharedMailboxes()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(own))
	out := own[:0]
	for _, mb := range append(own, shared...) {
		if !seen[mb.Name] && a.Visible(&mb) {
			seen[mb.Name] = true
			out = append(out, mb)
		}
	}
	return out, nil
}

// Status counts a mailbox's messages (r).
func (a Actor) Status(mb *Mailbox) (*MailboxState, error) {
	if _, err := a.check(mb, RightRead); err != nil {
		return nil, err
	}
	return a.s.Status(mb)
}

// mayCreate checks that the actor may create name: RFC 4314 §4 asks k on
// the parent; as Cyrus does, the nearest existing ancestor decides, so
// that missing superiors can be made on the way. A name with no ancestor
// (a top-level shared mailbox, a new user) is for administrators. The
// refusal names no ancestor, so it tells nothing of mailboxes the actor
// cannot see.
func (a Actor) mayCreate(name string) error {
	for p := Parent(name); p != "" && !isUsersRoot(p); p = Parent(p) {
		mb, err := a.s.GetMailbox(p)
		if errors.Is(err, ErrNoMailbox) {
			continue
		}
		if err != nil {
			return err
		}
		if a.RightsOn(mb).Has(RightCreate) {
			return nil
		}
		break
	}
	if !a.admin {
		return &DeniedError{Mailbox: name, Need: RightCreate}
	}
	return nil
}

// isUsersRoot: "user" or "domain!user", which is no mailbox.
func isUsersRoot(name string) bool {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	return name == "user"
}

// CreateMailbox creates name (k on the nearest existing ancestor) and the
// missing superiors above it, as RFC 9051 §6.3.4 asks (SHOULD), stopping
// at the user's INBOX or the top.
func (a Actor) CreateMailbox(name string, opts CreateOptions) (*Mailbox, error) {
	if err := a.mayCreate(name); err != nil {
		return nil, err
	}
	if err := a.createSuperiors(name); err != nil {
		return nil, err
	}
	return a.s.CreateMailbox(name, opts)
}

func (a Actor) createSuperiors(name string) error {
	var missing []string
	for p := Parent(name); p != "" && !isUsersRoot(p); p = Parent(p) {
		if _, err := a.s.GetMailbox(p); err == nil {
			break
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		_, err := a.s.CreateMailbox(missing[i], CreateOptions{})
		if err != nil && !errors.Is(err, ErrMailboxExists) {
			return err
		}
	}
	return nil
}

// DeleteMailbox deletes a mailbox (x) and returns what it was.
func (a Actor) DeleteMailbox(name string) (*Mailbox, error) {
	mb, _, err := a.Mailbox(name, RightDeleteMbox)
	if err != nil {
		return nil, err
	}
	return mb, a.s.DeleteMailbox(name)
}

// RenameMailbox takes x on the old name and k on the new one's parent
// (RFC 4314 §4), and makes the new name's missing superiors.
func (a Actor) RenameMailbox(from, to string) error {
	if _, _, err := a.Mailbox(from, RightDeleteMbox); err != nil {
		return err
	}
	if err := a.mayCreate(to); err != nil {
		return err
	}
	if err := a.createSuperiors(to); err != nil {
		return err
	}
	return a.s.RenameMailbox(from, to)
}

// Append adds messages to mb (i), all or none.
func (a Actor) Append(mb *Mailbox, msgs []NewMessage) ([]Delivered, error) {
	if _, err := a.check(mb, RightInsert); err != nil {
		return nil, err
	}
	if len(msgs) == 1 {
		d, err := a.s.Append(mb.Name, msgs[0])
		if err != nil {
			return nil, err
		}
		return []Delivered{d}, nil
	}
	return a.s.AppendAll(mb.Name, msgs)
}

// Copy copies messages: r on the source, i on the target.
func (a Actor) Copy(src *Mailbox, uids []uint32, dst *Mailbox) (*CopyResult, error) {
	return a.transfer(src, uids, dst, false)
}

// Move moves messages: a copy that also deletes and expunges from the
// source, so t and e there too (RFC 6851 §3.3 with RFC 4314 §4).
func (a Actor) Move(src *Mailbox, uids []uint32, dst *Mailbox) (*CopyResult, error) {
	return a.transfer(src, uids, dst, true)
}

func (a Actor) transfer(src *Mailbox, uids []uint32, dst *Mailbox, move bool) (*CopyResult, error) {
	need := RightRead
	if move {
		need |= RightDeleteMsg | RightExpunge
	}
	if _, err := a.check(src, need); err != nil {
		return nil, err
	}
	if _, err := a.check(dst, RightInsert); err != nil {
		return nil, err
	}
	if move {
		return a.s.Move(src, uids, dst)
	}
	return a.s.Copy(src, uids, dst)
}

// FlagRight is the right that setting or clearing flag takes (RFC 4314
// §4, STORE): s for \Seen, t for \Deleted, w for every other.
func FlagRight(flag string) Rights {
	switch {
	case strings.EqualFold(flag, FlagSeen):
		return RightSeen
	case strings.EqualFold(flag, FlagDeleted):
		return RightDeleteMsg
	}
	return RightWrite
}

// FlagChangeRights are the rights a change of flags takes: those of the
// flags it names, and, for a replacement, which may clear any flag, all
// three.
func FlagChangeRights(op FlagOp, flags []string) Rights {
	if op == FlagsReplace {
		return RightSeen | RightDeleteMsg | RightWrite
	}
	var need Rights
	for _, f := range flags {
		need |= FlagRight(f)
	}
	return need
}

// StoreFlags changes flags with the rights FlagChangeRights names.
func (a Actor) StoreFlags(mb *Mailbox, fc FlagChange) (*FlagResult, error) {
	if _, err := a.check(mb, FlagChangeRights(fc.Op, fc.Flags)); err != nil {
		return nil, err
	}
	return a.s.StoreFlags(mb, fc)
}

// Expunge removes messages for good (e); nil uids means every \Deleted one.
func (a Actor) Expunge(mb *Mailbox, uids []uint32) ([]uint32, error) {
	if _, err := a.check(mb, RightExpunge); err != nil {
		return nil, err
	}
	return a.s.Expunge(mb, uids)
}

// ACL reads a mailbox's access list (a).
func (a Actor) ACL(name string) (*Mailbox, error) {
	mb, _, err := a.Mailbox(name, RightAdmin)
	return mb, err
}

// SetACL changes one identifier's rights (a); rights may start with + or
// - to add or take away (RFC 4314 §3.1).
func (a Actor) SetACL(name, id, rights string) (string, error) {
	if _, _, err := a.Mailbox(name, RightAdmin); err != nil {
		return "", err
	}
	return a.s.SetACL(name, id, rights)
}

// DeleteACL removes one identifier's entry (a).
func (a Actor) DeleteACL(name, id string) error {
	if _, _, err := a.Mailbox(name, RightAdmin); err != nil {
		return err
	}
	return a.s.DeleteACL(name, id)
}

// Quota reads a quota root. A root named after a mailbox the actor may not
// see answers as a missing root (RFC 4314 §4).
func (a Actor) Quota(root string) (Quota, error) {
	if mb, err := a.s.GetMailbox(root); err == nil && !a.Visible(mb) {
		return Quota{}, fmt.Errorf("%s: %w", root, ErrNoQuotaRoot)
	}
	return a.s.Quota(root)
}

// SetQuota sets a root's limits; only administrators may (RFC 9208 §4.1.4
// leaves who may to the server; Cyrus allows admins).
func (a Actor) SetQuota(root string, l QuotaLimits) error {
	if !a.admin {
		return &DeniedError{Mailbox: root, What: "only administrators may set quotas"}
	}
	return a.s.SetQuota(root, l)
}

// Subscriptions, Subscribe and Unsubscribe are the actor's own list; RFC
// 9051 §6.3.7 lets a name be subscribed whether or not it exists, and one
// the actor may not see is answered alike (RFC 4314 §4).
func (a Actor) Subscriptions() ([]string, error) { return a.s.Subscriptions(a.user) }
func (a Actor) Subscribe(name string) error      { return a.s.Subscribe(a.user, name) }
func (a Actor) Unsubscribe(name string) error    { return a.s.Unsubscribe(a.user, name) }

// Replace saves a new message into dst and removes uid from src (IMAP
// REPLACE): i on dst, as APPEND; t and e on src, as for deleting and
// expunging the old message (RFC 8508 §3.3 with RFC 4314 §4).
func (a Actor) Replace(src *Mailbox, uid uint32, dst *Mailbox, nm NewMessage) (Delivered, error) {
	if _, err := a.check(src, RightDeleteMsg|RightExpunge); err != nil {
		return Delivered{}, err
	}
	if _, err := a.check(dst, RightInsert); err != nil {
		return Delivered{}, err
	}
	return a.s.Replace(src, uid, dst, nm)
}
