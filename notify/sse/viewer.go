package sse

import (
	"chapar/store"
)

// viewer is who reads a stream and what they asked for: it decides which
// events the stream carries. The shared tail asks it before handing an
// event on, so that a user's stream is woken only by what it will send:
// a hundred users' streams cost one wake-up per event, not a hundred.
type viewer struct {
	user   string
	admin  bool
	actor  store.Actor
	filter filter
}

// mailboxLookup finds the mailbox an event names, and whether it is
// shared with anyone but its owner, once per event however many viewers
// ask; nil when it no longer exists.
type mailboxLookup func(name string) (mb *store.Mailbox, shared bool)

// sees reports whether the viewer wants the event and may see it: an
// administrator sees everything; a user the events of their own
// mailboxes, of mailboxes they may see (l), and of their own logins and
// subscriptions (a subscription is its subscriber's business, not the
// mailbox owner's). A mailbox that no longer exists (its MailboxDelete)
// is judged by owner.
func (v *viewer) sees(eventType string, a about, lookup mailboxLookup) bool {
	if !a.ok || !v.filter.types(eventType) || !v.filter.mailboxes(a.Mailbox) {
		return false
	}
	if v.admin {
		return true
	}
	users, byMailbox := audience(eventType, a)
	if users[0] == v.user || users[1] == v.user {
		return true
	}
	if !byMailbox {
		return false
	}
	mb, shared := lookup(a.Mailbox)
	return mb != nil && shared && v.actor.Visible(mb)
}

// audience is who an event may concern besides administrators: the
// owner of its mailbox, or for an event of no mailbox (a login) and for
// a subscription, the user it names. A viewer outside it sees the event
// only through a mailbox shared with them.
func audience(eventType string, a about) (users [2]string, byMailbox bool) {
	if a.Mailbox == "" || eventType == string(store.MailboxSubscribe) || eventType == string(store.MailboxUnSubscribe) {
		return [2]string{a.User, a.UserID}, false
	}
	return [2]string{store.Owner(a.Mailbox)}, true
}

// sharedWithOthers reports whether mb's ACL grants a right to anyone but
// its owner. Most mailboxes are their owner's alone, and for them every
// other user's answer is no without working out their rights.
func sharedWithOthers(mb *store.Mailbox) bool {
	owner := store.Owner(mb.Name)
	for id := range mb.ACL {
		if id != owner && id != "" && id[0] != '-' {
			return true
		}
	}
	return false
}

// lookupOnce is a mailboxLookup that reads the store at most once per
// name: the tail makes one per event.
func lookupOnce(st *store.Store) mailboxLookup {
	var name string
	var mb *store.Mailbox
	var shared bool
	return func(n string) (*store.Mailbox, bool) {
		if n == name && name != "" {
			return mb, shared
		}
		name, mb, shared = n, nil, false
		if found, err := st.GetMailbox(n); err == nil {
			mb, shared = found, sharedWithOthers(found)
		}
		return mb, shared
	}
}
