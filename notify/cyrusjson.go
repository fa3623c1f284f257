package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"chapar/store"
)

// cyrusEvent is one event in the JSON Cyrus's notifier writes (mboxevent.c,
// RFC 5423 parameter names), in Cyrus's order, followed by chapar's own.
// A parameter is present when Cyrus's mboxevent_expected_param would
// include it for the event's type under event_extra_params.
type cyrusEvent struct {
	Event           store.EventType `json:"event"`
	Timestamp       string          `json:"timestamp,omitempty"`
	Service         string          `json:"service,omitempty"`
	ServerAddress   string          `json:"serverAddress,omitempty"`
	ClientAddress   string          `json:"clientAddress,omitempty"`
	OldMailboxID    string          `json:"oldMailboxID,omitempty"`
	MailboxID       string          `json:"mailboxID,omitempty"`
	MailboxUniqueID string          `json:"mailboxUniqueId,omitempty"`
	URI             string          `json:"uri"`
	ModSeq          uint64          `json:"modseq,omitempty"`
	DiskQuota       *int64          `json:"diskQuota,omitempty"`
	DiskUsed        *int64          `json:"diskUsed,omitempty"`
	MaxMessages     *int64          `json:"maxMessages,omitempty"`
	Messages        *uint32         `json:"messages,omitempty"`
	Unseen          *uint32         `json:"vnd.cmu.unseenMessages,omitempty"`
	UIDNext         uint32          `json:"uidnext,omitempty"`
	UIDSet          string          `json:"uidset,omitempty"`
	MidSet          []string        `json:"vnd.cmu.midset,omitempty"`
	FlagNames       string          `json:"flagNames,omitempty"`
	PID             int             `json:"pid"`
	ACLSubject      string          `json:"aclSubject,omitempty"`
	ACLRights       *string         `json:"aclRights,omitempty"`
	User            string          `json:"user,omitempty"`
	MessageSize     int64           `json:"messageSize,omitempty"`
	ServerFQDN      string          `json:"serverFQDN,omitempty"`

	// chapar's own: the event's id (stable across republishing, for
	// de-duplication), and the internal mailbox names, which the SSE
	// filter and the ops page read.
	ID         string `json:"vnd.chapar.id"`
	Mailbox    string `json:"mailbox,omitempty"`
	OldMailbox string `json:"vnd.chapar.oldMailbox,omitempty"`
}

// The classes of types mboxevent_expected_param asks about.
func isMessageType(t store.EventType) bool {
	switch t {
	case store.MessageNew, store.MessageAppend, store.MessageExpire, store.MessageExpunge,
		store.MessageRead, store.MessageTrash, store.FlagsSet, store.FlagsClear:
		return true
	}
	return false
}

func isMailboxType(t store.EventType) bool {
	switch t {
	case store.MailboxCreate, store.MailboxDelete, store.MailboxRename, store.AclChange:
		return true
	}
	return false
}

func isQuotaType(t store.EventType) bool {
	return t == store.QuotaExceed || t == store.QuotaWithin || t == store.QuotaChange
}

// timestampLayout is Cyrus's timeval_to_iso8601 with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000-07:00"

var pid = os.Getpid()

// format turns an outbox event into Cyrus's JSON. publish is false when
// the options keep the event off the stream (its group is off, its mailbox
// or all its flags are excluded); it then only wakes IDLE.
func (c *compiled) format(ev *store.Event) (data []byte, publish bool, err error) {
	t := ev.Type
	publish = c.types[t] && !(ev.Mailbox != "" && !isQuotaType(t) && c.excludedMailbox(ev))
	out := cyrusEvent{Event: t, PID: pid, ServerFQDN: c.ServerName, ID: ev.ID, Mailbox: ev.Mailbox, User: ev.User}
	if ev.MailboxID != store.NoMailboxID {
		out.MailboxID = ev.MailboxID
	}
	if c.extra["timestamp"] {
		out.Timestamp = ev.Timestamp.Format(timestampLayout)
	}
	if c.extra["service"] {
		out.Service = ev.Service
	}
	message := isMessageType(t)
	uids := ev.UIDs
	switch {
	case t == store.Login || t == store.Logout:
		out.ServerAddress = ev.ServerAddress
		if c.extra["clientAddress"] {
			out.ClientAddress = ev.ClientAddress
		}
		out.URI = c.uri(ev.User, "", 0, 0)
	case isQuotaType(t):
		out.DiskQuota, out.MaxMessages = ev.DiskQuota, ev.MaxMessages
		if t != store.QuotaChange || c.extra["diskUsed"] {
			out.DiskUsed = ev.DiskUsed
		}
		if t != store.QuotaChange {
			n := ev.Messages
			out.Messages = &n
		}
		out.URI = c.uri(store.Owner(ev.Mailbox), ev.Mailbox, 0, 0)
	case (t == store.MessageNew || t == store.MessageAppend) && len(uids) == 1:
		// RFC 5423 §4.1 / Cyrus: the new message's URL, no uidset.
		out.URI = c.uri(store.Owner(ev.Mailbox), ev.Mailbox, ev.UIDValidity, uids[0])
	default:
		out.URI = c.uri(store.Owner(ev.Mailbox), ev.Mailbox, ev.UIDValidity, 0)
		// A MessageAppend of several messages (COPY, MULTIAPPEND) keeps
		// its uidset: Cyrus would send a MessageCopy, which RFC 5423 lacks.
		out.UIDSet = ev.UIDSet
	}
	if message {
		if c.extra["modseq"] && len(uids) == 1 {
			// RFC 5423 §5: modseq for a notification about one message.
			out.ModSeq = ev.ModSeq
		}
		if c.extra["messages"] {
			n := ev.Messages
			out.Messages = &n
		}
		if c.extra["vnd.cmu.unseenMessages"] {
			n := ev.Unseen
			out.Unseen = &n
		}
		if c.extra["uidnext"] {
			out.UIDNext = ev.UIDNext
		}
		if c.extra["vnd.cmu.midset"] {
			out.MidSet = ev.MessageIDs
			if len(out.MidSet) == 0 && t == store.MessageNew {
				out.MidSet = []string{"NIL"}
			}
		}
	}
	switch t {
	case store.FlagsSet, store.FlagsClear:
		kept := c.keptFlags(ev.Flags)
		if len(kept) == 0 {
			publish = false
		}
		out.FlagNames = strings.Join(kept, " ")
	case store.MessageRead, store.MessageTrash:
		// No flagNames (Cyrus): the type says which flag; an excluded
		// flag keeps the event off the stream.
		if len(c.keptFlags(ev.Flags)) == 0 {
			publish = false
		}
	case store.MessageNew, store.MessageAppend:
		if c.extra["flagNames"] {
			out.FlagNames = strings.Join(c.keptFlags(ev.Flags), " ")
		}
		if c.extra["messageSize"] {
			out.MessageSize = ev.Size
		}
	}
	if isMailboxType(t) {
		out.MailboxUniqueID = out.MailboxID
	}
	if t == store.MailboxRename {
		out.OldMailboxID = c.uri(store.Owner(ev.OldMailbox), ev.OldMailbox, ev.UIDValidity, 0)
		out.OldMailbox = ev.OldMailbox
	}
	if t == store.AclChange {
		out.ACLSubject = ev.ACLIdentifier
		if ev.ACLRights != "" {
			r := ev.ACLRights
			out.ACLRights = &r
		}
	}
	data, err = json.Marshal(&out)
	if err != nil {
		return nil, false, fmt.Errorf("event %s: %w", ev.ID, err)
	}
	return data, publish, nil
}

// uri is the IMAP URL (RFC 5092) of a mailbox, a message in it, or, with
// no mailbox, of the server for a user: imap://alice@host/INBOX;UIDVALIDITY=
// 7/;UID=3. A user's mailbox is named as its owner sees it (INBOX, INBOX/Sent
// or Sent under altnamespace); a shared one as everyone does.
func (c *compiled) uri(owner, mailbox string, uidValidity, uid uint32) string {
	var b strings.Builder
	b.WriteString("imap://")
	if owner != "" {
		b.WriteString(url.User(owner).String())
		b.WriteByte('@')
	}
	b.WriteString(c.ServerName)
	b.WriteByte('/')
	if mailbox == "" {
		return b.String()
	}
	sep := "."
	if c.UnixHierarchySep {
		sep = "/"
	}
	for i, comp := range c.ownerView(owner, mailbox) {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(url.PathEscape(comp))
	}
	if uidValidity != 0 {
		fmt.Fprintf(&b, ";UIDVALIDITY=%d", uidValidity)
		if uid != 0 {
			fmt.Fprintf(&b, "/;UID=%d", uid)
		}
	}
	return b.String()
}

// ownerView splits an internal name into the components its owner sees.
func (c *compiled) ownerView(owner, name string) []string {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	comps := strings.Split(name, ".")
	for i := range comps {
		// '^' is a '.' inside a component (store/names.go); without
		// unixhierarchysep '.' separates, so '^' stays.
		if c.UnixHierarchySep {
			comps[i] = strings.ReplaceAll(comps[i], "^", ".")
		}
	}
	if owner == "" || len(comps) < 2 || comps[0] != "user" {
		return comps
	}
	folders := comps[2:]
	if c.AltNamespace && len(folders) > 0 {
		return folders
	}
	return append([]string{"INBOX"}, folders...)
}
