package imap

import (
	"slices"
	"strings"
	"sync"

	"chapar/notify"
	"chapar/store"
)

// notifyState is what a session's NOTIFY SET asked for (RFC 5465), with
// the watches that wake the session and what it last told the client.
type notifyState struct {
	selected *notifyGroup // nil: no message events for the selected mailbox
	groups   []notifyGroup

	// wake is signalled by the watches of the mailboxes below; listWake
	// by events that change the mailbox list or subscriptions.
	wake     chan struct{}
	listWake chan struct{}
	kinds    *notify.KindWatch

	watched map[string]*watchedMailbox // by mailbox unique id
	// names is the mailbox list as last told (or known) to the client,
	// for MailboxName and SubscriptionChange.
	names map[string]nameState // by external name

	// metaQueue holds the METADATA changes not yet told, queued by other
	// sessions' SETMETADATA (notify_metadata.go).
	metaMu    sync.Mutex
	metaQueue []metadataChange
}

// watchedMailbox is one mailbox other than the selected one whose message
// events the client asked for, and its counters as last told.
type watchedMailbox struct {
	mb     store.Mailbox
	ext    string
	events notifyEvents
	watch  *notify.Watch
	last   store.MailboxState
}

// nameState is one name of the list as NOTIFY tracks it.
type nameState struct {
	uniqueID   string // "" for a hole in the hierarchy
	subscribed bool
	children   bool
}

// listEvents reports whether any group asks for MailboxName or
// SubscriptionChange, or depends on the subscription list.
func (n *notifyState) listEvents() bool {
	for _, g := range n.groups {
		if g.events.mailboxName || g.events.subscriptionChange || g.filter == filterSubscribed {
			return true
		}
	}
	return false
}

func (s *session) startNotify(a notifyArgs) {
	n := &notifyState{wake: make(chan struct{}, 1), listWake: make(chan struct{}, 1), watched: map[string]*watchedMailbox{}}
	for i := range a.groups {
		g := a.groups[i]
		if g.filter == filterSelected || g.filter == filterSelectedDelayed {
			n.selected = &g
			continue
		}
		n.groups = append(n.groups, g)
	}
	s.notify = n
	hub := s.srv.cfg.Hub
	if hub != nil && n.listEvents() {
		n.kinds = hub.WatchKinds(n.listWake, store.MailboxCreate, store.MailboxDelete, store.MailboxRename,
			store.AclChange, store.MailboxSubscribe, store.MailboxUnSubscribe)
	}
	if n.wantsMetadata() {
		s.srv.metadata.subscribe(n)
	}
	entries := s.listEntries()
	n.names = snapshotNames(entries)
	s.watchMailboxes(entries, a.status)
}

// stopNotify ends NOTIFY: NOTIFY NONE, a new NOTIFY SET, or logout.
func (s *session) stopNotify() {
	n := s.notify
	if n == nil {
		return
	}
	for _, w := range n.watched {
		if w.watch != nil {
			w.watch.Close()
		}
	}
	if n.kinds != nil {
		n.kinds.Close()
	}
	s.srv.metadata.unsubscribe(n)
	s.notify = nil
}

func snapshotNames(entries map[string]*listEntry) map[string]nameState {
	names := make(map[string]nameState, len(entries))
	for ext, e := range entries {
		st := nameState{subscribed: e.subscribed, children: e.children}
		if e.mb != nil {
			st.uniqueID = e.mb.UniqueID
		}
		names[ext] = st
	}
	return names
}

// watchMailboxes brings the watched set in line with the groups and the
// mailbox list: a new mailbox a group covers is watched, a gone one is
// not. With status, each newly watched mailbox's STATUS is sent (the
// STATUS indicator of NOTIFY SET, RFC 5465 §3.1).
func (s *session) watchMailboxes(entries map[string]*listEntry, status bool) {
	n := s.notify
	want := map[string]*watchedMailbox{}
	for ext, e := range entries {
		if e.mb == nil {
			continue
		}
		var ev notifyEvents
		for _, g := range n.groups {
			if s.notifyCovers(g, ext, e) {
				ev.messageNew = ev.messageNew || g.events.messageNew
				ev.messageExpunge = ev.messageExpunge || g.events.messageExpunge
				ev.flagChange = ev.flagChange || g.events.flagChange
			}
		}
		if !ev.messages() {
			continue
		}
		// RFC 5465 §5: every event needs l and r; a mailbox the client
		// may list but not read is named \NoAccess.
		if !s.myRights(e.mb).Has(store.RightRead) {
			if _, known := n.watched[e.mb.UniqueID]; !known && status {
				b := []byte(`* LIST (\NoAccess) "` + string(s.ns.sep) + `" `)
				s.writef("%s", s.appendMailbox(b, ext))
			}
			continue
		}
		want[e.mb.UniqueID] = &watchedMailbox{mb: *e.mb, ext: ext, events: ev}
	}
	hub := s.srv.cfg.Hub
	for id, w := range n.watched {
		if want[id] == nil && w.watch != nil {
			w.watch.Close()
		}
	}
	// In name order, so that the STATUS responses come in a stable order.
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(want[a].ext, want[b].ext) })
	for _, id := range ids {
		w := want[id]
		if old := n.watched[id]; old != nil {
			old.mb, old.ext, old.events = w.mb, w.ext, w.events
			want[id] = old
			continue
		}
		if hub != nil {
			w.watch = hub.WatchWith(id, n.wake)
		}
		if st, err := s.act().Status(&w.mb); err == nil {
			w.last = *st
		}
		if status && !s.isSelected(id) {
			s.writeNotifyStatus(w, statusOnSet(w.events, s.condstore))
		}
	}
	n.watched = want
}

// notifyCovers reports whether group g's filter takes in the mailbox
// named ext (RFC 5465 §6).
func (s *session) notifyCovers(g notifyGroup, ext string, e *listEntry) bool {
	switch g.filter {
	case filterPersonal, filterInboxes:
		// §6.3: "inboxes" may be taken as "personal" where the server
		// cannot tell; any personal mailbox can receive plus-addressed mail.
		inbox := store.UserInbox(s.user)
		return e.mb.Name == inbox || strings.HasPrefix(e.mb.Name, inbox+".")
	case filterSubscribed:
		return e.subscribed
	case filterSubtree, filterMailboxes:
		for _, raw := range g.names {
			name := s.decodeName(raw)
			if isInbox(name) {
				name = "INBOX"
			}
			if ext == name || g.filter == filterSubtree && strings.HasPrefix(ext, name+string(s.ns.sep)) {
				return true
			}
		}
	}
	return false
}

func (s *session) isSelected(uniqueID string) bool {
	return s.sel != nil && s.sel.mb.UniqueID == uniqueID
}

// statusOnSet is what the STATUS indicator sends for a mailbox (RFC 5465
// §3.1): MESSAGES, UIDNEXT and UIDVALIDITY for MessageNew, MESSAGES for
// MessageExpunge, UIDVALIDITY and HIGHESTMODSEQ for FlagChange under
// CONDSTORE.
func statusOnSet(ev notifyEvents, condstore bool) []string {
	items := []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"}
	if ev.flagChange && condstore {
		items = append(items, "HIGHESTMODSEQ")
	} else if ev.flagChange {
		items = append(items, "UNSEEN")
	}
	return items
}
