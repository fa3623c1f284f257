package store

import "time"

// EventType names a change event as RFC 5423 does.
type EventType string

// The event types the store emits (RFC 5423 §4).
const (
	MessageNew     EventType = "MessageNew"    // delivery (LMTP)
	MessageAppend  EventType = "MessageAppend" // APPEND, COPY, MOVE
	MessageExpunge EventType = "MessageExpunge"
	// MessageExpire is RFC 5423's expunge by the server's own policy
	// (Cyrus's cyr_expire); chapar has no such policy yet and emits none.
	MessageExpire EventType = "MessageExpire"
	// RFC 5423 §4.2 prefers MessageTrash (\Deleted set) and MessageRead
	// (\Seen set) to FlagsSet; a STORE setting \Deleted, \Seen and
	// $Work yields all three, as Cyrus's mboxevent_notify splits it.
	MessageTrash  EventType = "MessageTrash"
	MessageRead   EventType = "MessageRead"
	FlagsSet      EventType = "FlagsSet"
	FlagsClear    EventType = "FlagsClear"
	MailboxCreate EventType = "MailboxCreate"
	MailboxDelete EventType = "MailboxDelete"
	MailboxRename EventType = "MailboxRename"
	// Subscriptions (RFC 5423 §4.4) of the user in Event.User.
	MailboxSubscribe   EventType = "MailboxSubscribe"
	MailboxUnSubscribe EventType = "MailboxUnSubscribe"
	// Login and Logout (RFC 5423 §4.5) of a user's session.
	Login  EventType = "Login"
	Logout EventType = "Logout"
	// Quota events (RFC 5423 §4.3): a root reaching its limit, going back
	// below it, and its limits changed by SETQUOTA.
	QuotaExceed EventType = "QuotaExceed"
	QuotaWithin EventType = "QuotaWithin"
	QuotaChange EventType = "QuotaChange"
	// AclChange is Cyrus's own (mboxevent.c), for SETACL and DELETEACL.
	AclChange EventType = "AclChange"
)

// Event is one committed change as the outbox keeps it. Its JSON here is
// the outbox's encoding (store/doc.go), not what integrators read: notify
// turns it into Cyrus's JSON (notify/cyrusjson.go) under the event_*
// options.
type Event struct {
	// ID is stable for the life of the event: it becomes the Nats-Msg-Id, so
	// that publishing the same outbox entry twice yields one event.
	ID          string    `json:"vnd.chapar.id"`
	Type        EventType `json:"event"`
	Timestamp   time.Time `json:"timestamp"`
	Service     string    `json:"service,omitempty"`
	Mailbox     string    `json:"mailbox"` // internal name
	MailboxID   string    `json:"mailboxID"`
	OldMailbox  string    `json:"oldMailbox,omitempty"`
	User        string    `json:"user,omitempty"`
	UIDValidity uint32    `json:"uidvalidity,omitempty"`
	UIDNext     uint32    `json:"uidnext,omitempty"`
	ModSeq      uint64    `json:"modseq,omitempty"`
	Messages    uint32    `json:"messages"`
	Unseen      uint32    `json:"vnd.cmu.unseenMessages"`
	UIDs        []uint32  `json:"uids,omitempty"`
	UIDSet      string    `json:"uidset,omitempty"`
	Flags       []string  `json:"flagNames,omitempty"`
	MessageIDs  []string  `json:"vnd.cmu.midset,omitempty"`
	Size        int64     `json:"messageSize,omitempty"`
	// The quota events' parameters (RFC 5423 §5), as Cyrus names them:
	// storage in KiB, absent for a resource without a limit.
	DiskQuota   *int64 `json:"diskQuota,omitempty"`
	DiskUsed    *int64 `json:"diskUsed,omitempty"`
	MaxMessages *int64 `json:"maxMessages,omitempty"`
	// ACLIdentifier and ACLRights are an AclChange's entry, as Cyrus
	// names them; rights "" means the entry was removed.
	ACLIdentifier string `json:"aclIdentifier,omitempty"`
	ACLRights     string `json:"aclRights,omitempty"`
	// SpecialUse is the mailbox's RFC 6154 attribute when the event was
	// written, for event_exclude_specialuse.
	SpecialUse string `json:"specialuse,omitempty"`
	// ServerAddress and ClientAddress are a Login's or Logout's ends, as
	// Cyrus writes them: "ip;port".
	ServerAddress string `json:"serverAddress,omitempty"`
	ClientAddress string `json:"clientAddress,omitempty"`

	// source and seq locate the event in its outbox.
	source int
	seq    uint64
}
