package pop3

import (
	"errors"
	"fmt"

	"chapar/store"
)

// maildrop is a session's view of the user's INBOX, fixed at login (RFC
// 1939 §8: message numbers stay as they were until QUIT): messages that
// arrive later are not shown, and one another session removes answers
// as gone.
type maildrop struct {
	mb      *store.Mailbox
	msgs    []store.Message // message number n is msgs[n-1]
	deleted []bool
	// mayDelete: the user holds t and e, which DELE's expunge takes.
	mayDelete bool
	release   func()
}

// refusal is a login the server answers with its own -ERR text.
type refusal struct{ text string }

func (r refusal) Error() string { return r.text }

// openMaildrop locks the actor's INBOX and reads its index (r).
func openMaildrop(srv *Server, actor store.Actor) (*maildrop, error) {
	name := store.UserInbox(actor.User())
	mb, have, err := actor.Mailbox(name, store.RightRead)
	switch {
	case errors.Is(err, store.ErrNoMailbox):
		return nil, refusal{"[SYS/PERM] No maildrop for " + actor.User()}
	case errors.Is(err, store.ErrPermission):
		return nil, refusal{"[SYS/PERM] Permission denied to read the maildrop"}
	case err != nil:
		return nil, err
	}
	release, ok := srv.lock(mb.UniqueID)
	if !ok {
		// RFC 2449 §8.1.2: IN-USE, another POP3 session has it.
		return nil, refusal{"[IN-USE] Unable to lock maildrop: another POP3 session holds it"}
	}
	snap, err := srv.cfg.Store.Snapshot(mb)
	if err != nil {
		release()
		return nil, fmt.Errorf("maildrop %s: %w", name, err)
	}
	return &maildrop{mb: mb, msgs: snap.Messages, deleted: make([]bool, len(snap.Messages)),
		mayDelete: have.Has(store.RightDeleteMsg | store.RightExpunge), release: release}, nil
}

// stat counts the messages not marked deleted and their octets.
func (d *maildrop) stat() (n int, size int64) {
	for i, m := range d.msgs {
		if !d.deleted[i] {
			n++
			size += m.Size
		}
	}
	return n, size
}

// uidl is a message's unique-id (RFC 1939 §7): Cyrus's
// "uidvalidity.uid", the same in every session and after restarts, and
// new for a mailbox made again under the same name.
func (d *maildrop) uidl(m *store.Message) string {
	return fmt.Sprintf("%d.%d", d.mb.UIDValidity, m.UID)
}

// deletedUIDs are the UIDs DELE marked, for UPDATE.
func (d *maildrop) deletedUIDs() []uint32 {
	var uids []uint32
	for i, m := range d.msgs {
		if d.deleted[i] {
			uids = append(uids, m.UID)
		}
	}
	return uids
}
