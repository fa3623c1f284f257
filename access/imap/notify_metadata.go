package imap

import (
	"slices"
	"strings"
	"sync"

	"chapar/store"
)

// NOTIFY's MailboxMetadataChange and ServerMetadataChange (RFC 5465 §5.6,
// §5.7), required of a server with METADATA. Metadata changes make no
// store event (RFC 5423 has no kind for them, so the events stream, its
// webhooks and SSE stay as they are), and only SETMETADATA on this server
// changes metadata: the signal is in-process. SETMETADATA publishes what
// it changed to the sessions that asked, which queue it, are woken
// through NOTIFY's wake channel and send "* METADATA mailbox entry..."
// (RFC 5464 §4.4.2) between commands, in IDLE, or when a command ends.

// metadataChange is what one SETMETADATA changed.
type metadataChange struct {
	mailboxID string // "" for the server's entries
	user      string // who set them: their /private entries are theirs alone
	names     []string
	from      *session // the session that set them, which is not told
}

// metadataSignal fans metadata changes out to the sessions whose NOTIFY
// asks for them.
type metadataSignal struct {
	mu   sync.Mutex
	subs map[*notifyState]struct{}
}

// maxQueuedMetadata bounds the changes a session holds for its client;
// past it the oldest are dropped, and the client may GETMETADATA.
const maxQueuedMetadata = 1000

func (m *metadataSignal) subscribe(n *notifyState) {
	m.mu.Lock()
	if m.subs == nil {
		m.subs = map[*notifyState]struct{}{}
	}
	m.subs[n] = struct{}{}
	m.mu.Unlock()
}

func (m *metadataSignal) unsubscribe(n *notifyState) {
	m.mu.Lock()
	delete(m.subs, n)
	m.mu.Unlock()
}

// publish queues ch for every subscriber and wakes it.
func (m *metadataSignal) publish(ch metadataChange) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for n := range m.subs {
		n.metaMu.Lock()
		if len(n.metaQueue) >= maxQueuedMetadata {
			n.metaQueue = n.metaQueue[1:]
		}
		n.metaQueue = append(n.metaQueue, ch)
		n.metaMu.Unlock()
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
}

// wantsMetadata reports whether a group asks for either metadata event.
func (n *notifyState) wantsMetadata() bool {
	return slices.ContainsFunc(n.groups, func(g notifyGroup) bool {
		return g.events.mailboxMetadata || g.events.serverMetadata
	})
}

// takeMetadata returns and forgets the queued changes.
func (n *notifyState) takeMetadata() []metadataChange {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	q := n.metaQueue
	n.metaQueue = nil
	return q
}

// publishMetadata tells the other sessions what SETMETADATA changed on mb
// (nil: the server).
func (s *session) publishMetadata(mb *store.Mailbox, entries []store.MetadataEntry) {
	ch := metadataChange{user: s.user, from: s}
	if mb != nil {
		ch.mailboxID = mb.UniqueID
	}
	for _, e := range entries {
		if !slices.Contains(ch.names, e.Name) {
			ch.names = append(ch.names, e.Name)
		}
	}
	s.srv.metadata.publish(ch)
}

// notifyMetadataChanges sends the METADATA responses of the queued
// changes the client asked for: server entries for ServerMetadataChange,
// a mailbox's for MailboxMetadataChange when a group covers the mailbox
// and the user may read it (RFC 5465 §5: l and r). Another user's private
// entries are never named; the session's own changes are not told (§5).
func (s *session) notifyMetadataChanges() {
	n := s.notify
	changes := n.takeMetadata()
	if len(changes) == 0 {
		return
	}
	var entries map[string]*listEntry
	for _, ch := range changes {
		if ch.from == s {
			continue
		}
		var names []string
		for _, name := range ch.names {
			if strings.HasPrefix(name, "/shared/") || store.NormalizeUser(ch.user) == store.NormalizeUser(s.user) {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		if ch.mailboxID == "" {
			if slices.ContainsFunc(n.groups, func(g notifyGroup) bool { return g.events.serverMetadata }) {
				s.writeMetadataNames(nil, "", names)
			}
			continue
		}
		if entries == nil {
			entries = s.quietListEntries()
		}
		for ext, e := range entries {
			if e.mb == nil || e.mb.UniqueID != ch.mailboxID {
				continue
			}
			covered := slices.ContainsFunc(n.groups, func(g notifyGroup) bool {
				return g.events.mailboxMetadata && s.notifyCovers(g, ext, e)
			})
			if covered && s.myRights(e.mb).Has(store.RightLookup|store.RightRead) {
				s.writeMetadataNames(e.mb, ext, names)
			}
			break
		}
	}
}

// quietListEntries is listEntries for a push between commands, where a
// store error has no command to answer NO to: the changes are dropped
// (logged), and the client may ask with GETMETADATA.
func (s *session) quietListEntries() (entries map[string]*listEntry) {
	defer func() {
		if x := recover(); x != nil {
			if _, ok := x.(noError); !ok {
				panic(x)
			}
			s.log.Warn("NOTIFY: mailbox list unreadable", "err", x)
			entries = map[string]*listEntry{}
		}
	}()
	return s.listEntries()
}

// writeMetadataNames sends an unsolicited METADATA naming entries (RFC
// 5464 §4.4.2): "* METADATA" SP mailbox SP entry *(SP entry).
func (s *session) writeMetadataNames(mb *store.Mailbox, ext string, names []string) {
	b := []byte("* METADATA ")
	if mb == nil {
		b = append(b, `""`...)
	} else {
		b = s.appendMailbox(b, ext)
	}
	for _, name := range names {
		b = append(b, ' ')
		b = appendAstring(b, name, s.utf8Out())
	}
	s.writef("%s", b)
}
