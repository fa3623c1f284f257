package imap

import (
	"slices"
	"strings"

	"chapar/store"
)

// What NOTIFY sends (RFC 5465 §5), and when: at the end of every command,
// in IDLE, and between commands, when the client has sent nothing: NOTIFY
// is how a client hears of changes without IDLE (§4).

// awaitCommand waits for the next command's first byte, sending
// notifications as they come. The reader goroutine only peeks at the
// connection; the command is read, as always, by the session goroutine
// once it has returned.
func (s *session) awaitCommand() {
	ready := make(chan struct{})
	go func() {
		s.in.r.Peek(1) // an error (deadline, close) is met again by the read that follows
		close(ready)
	}()
	for {
		n := s.notify
		var selWake <-chan struct{}
		if n.selected != nil && s.sel != nil && s.sel.watch != nil {
			selWake = s.sel.watch.C()
		}
		select {
		case <-ready:
			return
		case <-n.wake:
		case <-n.listWake:
			s.notifyListChanges()
		case <-selWake:
		}
		s.pushNotify(n.selected != nil && n.selected.filter == filterSelected)
		if err := s.out.flush(); err != nil {
			<-ready
			return
		}
	}
}

// notifyChans are the channels IDLE waits on besides its own, nil (never
// ready) without NOTIFY.
func (s *session) notifyChans() (wake, list chan struct{}) {
	if s.notify == nil {
		return nil, nil
	}
	return s.notify.wake, s.notify.listWake
}

// pushNotify sends what changed: the mailbox list, the watched mailboxes'
// counters, and the selected mailbox's messages when NOTIFY asked for
// them. allowExpunge says whether EXPUNGE may go out now.
func (s *session) pushNotify(allowExpunge bool) {
	s.pushOthers()
	if n := s.notify; n != nil && n.selected != nil && s.sel != nil {
		s.syncSelected(allowExpunge)
	}
}

// pushOthers sends what changed outside the selected mailbox: the mailbox
// list and the watched mailboxes' counters.
func (s *session) pushOthers() {
	n := s.notify
	if n == nil {
		return
	}
	select {
	case <-n.wake:
	default:
	}
	select {
	case <-n.listWake:
		s.notifyListChanges()
	default:
	}
	for id, w := range n.watched {
		if w.watch == nil || len(w.watch.Take()) == 0 || s.isSelected(id) {
			continue
		}
		s.notifyMailboxChange(w)
	}
	s.notifyMetadataChanges()
}

// syncSelected is the end-of-command sync of the selected mailbox, with
// NOTIFY's MessageNew fetch attributes sent for the new messages after
// their EXISTS (RFC 5465 §5.2).
func (s *session) syncSelected(allowExpunge bool) {
	v := s.sel
	var fetch []fetchItem
	if s.notify != nil && s.notify.selected != nil {
		fetch = s.notify.selected.events.fetch
	}
	from := v.uidNext
	v.sync(s, allowExpunge)
	if len(fetch) == 0 || v.uidNext == from {
		return
	}
	var idx []int
	for i := len(v.msgs) - 1; i >= 0 && v.msgs[i].uid >= from; i-- {
		if !v.msgs[i].gone {
			idx = append(idx, i)
		}
	}
	slices.Reverse(idx)
	msgs := s.loadMessages(v, idx)
	hr := s.store().HeaderReader(v.mb)
	for _, i := range idx {
		if m := msgs[v.msgs[i].uid]; m != nil {
			s.writeFetchMsg(i+1, &fetchMsg{s: s, m: m, hr: hr}, fetch, false)
		}
	}
}

// writeNotifyStatus sends a STATUS for a watched mailbox and remembers
// what it said.
func (s *session) writeNotifyStatus(w *watchedMailbox, items []string) {
	st, err := s.act().Status(&w.mb)
	if err != nil {
		return // gone or no longer readable: the list change says so
	}
	if s.writeStatus(&w.mb, w.ext, items) == nil {
		w.last = *st
	}
}

// notifyMailboxChange sends the STATUS a change in a watched mailbox
// calls for (RFC 5465 §5.1-5.3), or nothing when no counter the client
// asked about moved.
func (s *session) notifyMailboxChange(w *watchedMailbox) {
	st, err := s.act().Status(&w.mb)
	if err != nil {
		return
	}
	last, ev := w.last, w.events
	var items []string
	switch {
	case st.UIDValidity != last.UIDValidity:
		items = []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"}
	case (ev.messageNew || ev.messageExpunge) && (st.Exists != last.Exists || st.UIDNext != last.UIDNext):
		items = []string{"UIDNEXT", "MESSAGES"}
		if s.condstore {
			items = append(items, "HIGHESTMODSEQ")
		}
	case ev.flagChange && st.HighestModSeq != last.HighestModSeq && s.condstore:
		items = []string{"HIGHESTMODSEQ", "UIDVALIDITY"}
	case ev.flagChange && st.Unseen != last.Unseen:
		// §5.1: without CONDSTORE, UNSEEN, or nothing.
		items = []string{"UNSEEN"}
	}
	if items == nil {
		w.last = *st
		return
	}
	s.writeNotifyStatus(w, items)
}

// notifyListChanges compares the mailbox list with what the client was
// last told and sends the LIST responses of RFC 5465 §5.4 (created,
// deleted, renamed with OLDNAME) and §5.5 (subscribed or not), for the
// names a group with those events covers; then watches what is new.
func (s *session) notifyListChanges() {
	n := s.notify
	entries := s.listEntries()
	now := snapshotNames(entries)
	before := n.names
	n.names = now
	byID := func(m map[string]nameState) map[string]string {
		out := map[string]string{}
		for ext, st := range m {
			if st.uniqueID != "" {
				out[st.uniqueID] = ext
			}
		}
		return out
	}
	oldByID, newByID := byID(before), byID(now)
	// Renames: the same mailbox under a new name. A child renamed with
	// its parent is not announced on its own (§5.4).
	renamed := map[string]string{} // old name → new name
	for id, oldExt := range oldByID {
		if newExt, ok := newByID[id]; ok && newExt != oldExt {
			renamed[oldExt] = newExt
		}
	}
	sep := string(s.ns.sep)
	underRenamedParent := func(oldExt, newExt string) bool {
		for o, nw := range renamed {
			if strings.HasPrefix(oldExt, o+sep) && strings.HasPrefix(newExt, nw+sep) {
				return true
			}
		}
		return false
	}
	var names []string
	for ext := range before {
		names = append(names, ext)
	}
	for ext := range now {
		if _, ok := before[ext]; !ok {
			names = append(names, ext)
		}
	}
	slices.Sort(names)
	for _, ext := range names {
		old, had := before[ext]
		cur, has := now[ext]
		wasMailbox, isMailbox := had && old.uniqueID != "", has && cur.uniqueID != ""
		switch {
		case isMailbox && (!wasMailbox || old.uniqueID != cur.uniqueID):
			if oldExt, ok := oldByID[cur.uniqueID]; ok && oldExt != ext {
				if !underRenamedParent(oldExt, ext) && s.listEventCovers(ext, true, false) {
					s.writeNotifyList(ext, cur, false, oldExt)
				}
			} else if s.listEventCovers(ext, true, false) {
				s.writeNotifyList(ext, cur, false, "")
			}
		case wasMailbox && !isMailbox:
			if _, moved := newByID[old.uniqueID]; !moved && s.listEventCovers(ext, true, false) {
				s.writeNotifyList(ext, cur, true, "")
			}
		case had && has && old.subscribed != cur.subscribed:
			if s.listEventCovers(ext, false, true) {
				s.writeNotifyList(ext, cur, false, "")
			}
		}
	}
	s.watchMailboxes(entries, false)
}

// listEventCovers reports whether a group asking for MailboxName (name) or
// SubscriptionChange (sub) takes in the name ext.
func (s *session) listEventCovers(ext string, name, sub bool) bool {
	for _, g := range s.notify.groups {
		if !(name && g.events.mailboxName || sub && g.events.subscriptionChange) {
			continue
		}
		switch g.filter {
		case filterPersonal, filterInboxes, filterSubscribed:
			internal, ok := s.ns.internal(ext)
			inbox := store.UserInbox(s.user)
			if ok && (internal == inbox || strings.HasPrefix(internal, inbox+".")) {
				return true
			}
			if g.filter == filterSubscribed && s.notify.names[ext].subscribed {
				return true
			}
		default:
			for _, raw := range g.names {
				want := s.decodeName(raw)
				if ext == want || g.filter == filterSubtree && strings.HasPrefix(ext, want+string(s.ns.sep)) {
					return true
				}
			}
		}
	}
	return false
}

// writeNotifyList sends one LIST of RFC 5465 §5.4-5.5.
func (s *session) writeNotifyList(ext string, st nameState, gone bool, oldName string) {
	var attrs []string
	switch {
	case gone:
		attrs = append(attrs, `\NonExistent`)
	case st.children:
		attrs = append(attrs, `\HasChildren`)
	default:
		attrs = append(attrs, `\HasNoChildren`)
	}
	if st.subscribed && !gone {
		attrs = append(attrs, `\Subscribed`)
	}
	b := []byte("* LIST (" + strings.Join(attrs, " ") + `) "` + string(s.ns.sep) + `" `)
	b = s.appendMailbox(b, ext)
	if oldName != "" {
		b = append(b, ` ("OLDNAME" (`...)
		b = s.appendMailbox(b, oldName)
		b = append(b, "))"...)
	}
	s.writef("%s", b)
}

// notifyOwnListChange takes the session's own CREATE, DELETE, RENAME,
// SUBSCRIBE, UNSUBSCRIBE or ACL change into what the client knows: the
// server should not tell a client of its own doing (RFC 5465 §5).
func (s *session) notifyOwnListChange() {
	n := s.notify
	entries := s.listEntries()
	n.names = snapshotNames(entries)
	s.watchMailboxes(entries, false)
}

// changesList names the commands notifyOwnListChange follows.
var changesList = map[string]bool{
	"CREATE": true, "DELETE": true, "RENAME": true, "SUBSCRIBE": true, "UNSUBSCRIBE": true,
	"SETACL": true, "DELETEACL": true,
}
