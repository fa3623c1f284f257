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

// mailboxLookup finds the mailbox an event names, once per event however
// many viewers ask; nil when it no longer exists.
type mailboxLookup func(name string) *store.Mailbox

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
	if a.Mailbox == "" || eventType == string(store.MailboxSubscribe) || eventType == string(store.MailboxUnSubscribe) {
		return a.User == v.user || a.UserID == v.user
	}
	if store.Owner(a.Mailbox) == v.user {
		return true
	}
	mb := lookup(a.Mailbox)
	return mb != nil && sharedWithOthers(mb) && v.actor.Visible(mb)
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
	return func(n string) *store.Mailbox {
		if n == name && name != "" {
			return mb
		}
		name, mb = n, nil
		if found, err := st.GetMailbox(n); err == nil {
			mb = found
		}
		return mb
	}
}
