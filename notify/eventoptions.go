package notify

import (
	"slices"
	"strings"

	"chapar/store"
)

// EventOptions are Cyrus's event_* options (config.Config's Event*
// fields) and what the JSON needs to name the server and its mailboxes.
type EventOptions struct {
	Groups            []string // event_groups
	ExtraParams       []string // event_extra_params
	ExcludeFlags      []string // event_exclude_flags
	ExcludeSpecialUse []string // event_exclude_specialuse; "ALL": all but INBOXes
	ServerName        string   // servername: the host of every uri
	UnixHierarchySep  bool     // the separator in uri mailbox names
	AltNamespace      bool     // a user's folders beside INBOX in uri names
}

// groupTypes are the event types of each of Cyrus's event_groups
// (mboxevent.c: MESSAGE_EVENTS, FLAGS_EVENTS, ...). Cyrus counts AclChange
// in both "mailbox" and "access".
var groupTypes = map[string][]store.EventType{
	"message":      {store.MessageNew, store.MessageAppend, store.MessageExpire, store.MessageExpunge},
	"flags":        {store.MessageRead, store.MessageTrash, store.FlagsSet, store.FlagsClear},
	"mailbox":      {store.MailboxCreate, store.MailboxDelete, store.MailboxRename, store.AclChange},
	"subscription": {store.MailboxSubscribe, store.MailboxUnSubscribe},
	"quota":        {store.QuotaExceed, store.QuotaWithin, store.QuotaChange},
	"access":       {store.Login, store.Logout, store.AclChange},
}

// WantsSessionEvents reports whether Login and Logout are published, so
// that the store writes them at all (store.Options.SessionEvents).
func (o EventOptions) WantsSessionEvents() bool {
	return slices.ContainsFunc(o.Groups, func(g string) bool { return strings.EqualFold(g, "access") })
}

// compiled is EventOptions made into sets, once.
type compiled struct {
	EventOptions
	types        map[store.EventType]bool
	extra        map[string]bool
	excludeFlags []string // lowercased
	excludeUse   []string // lowercased
	inboxesOnly  bool
}

func (o EventOptions) compile() *compiled {
	c := &compiled{EventOptions: o, types: map[store.EventType]bool{}, extra: map[string]bool{}}
	for _, g := range o.Groups {
		for _, t := range groupTypes[strings.ToLower(g)] {
			c.types[t] = true
		}
	}
	for _, p := range o.ExtraParams {
		c.extra[p] = true
	}
	for _, f := range o.ExcludeFlags {
		c.excludeFlags = append(c.excludeFlags, strings.ToLower(f))
	}
	for _, u := range o.ExcludeSpecialUse {
		if strings.EqualFold(u, "ALL") {
			c.inboxesOnly = true
			continue
		}
		c.excludeUse = append(c.excludeUse, strings.ToLower(u))
	}
	return c
}

// excludedMailbox is Cyrus's mboxevent_enabled_for_mailbox turned round:
// a mailbox whose special-use is excluded, or, with "ALL", any mailbox but
// a user's INBOX, publishes nothing about its messages or itself.
func (c *compiled) excludedMailbox(ev *store.Event) bool {
	if ev.Mailbox == "" {
		return false
	}
	if c.inboxesOnly && store.UserInbox(store.Owner(ev.Mailbox)) != ev.Mailbox {
		return true
	}
	for _, use := range strings.Fields(ev.SpecialUse) {
		if slices.Contains(c.excludeUse, strings.ToLower(use)) {
			return true
		}
	}
	return false
}

// keptFlags drops the flags of event_exclude_flags.
func (c *compiled) keptFlags(flags []string) []string {
	var kept []string
	for _, f := range flags {
		if !slices.Contains(c.excludeFlags, strings.ToLower(f)) {
			kept = append(kept, f)
		}
	}
	return kept
}
