package imap

import (
	"strings"
)

// NOTIFY (RFC 5465): the client names the mailboxes and the events it
// wants to hear of, unasked, between commands and in IDLE. This file reads
// and checks the command; notify_state.go keeps what was asked and
// notify_push.go sends what happened.

// notifyFilter is a filter-mailboxes of RFC 5465 §8.
type notifyFilter uint8

const (
	filterSelected notifyFilter = iota + 1
	filterSelectedDelayed
	filterInboxes
	filterPersonal
	filterSubscribed
	filterSubtree
	filterMailboxes
)

// notifyEvents is what one event group asks for.
type notifyEvents struct {
	messageNew, messageExpunge, flagChange bool
	mailboxName, subscriptionChange        bool
	// mailboxMetadata and serverMetadata: MailboxMetadataChange and
	// ServerMetadataChange (RFC 5465 §5.6-5.7, notify_metadata.go).
	mailboxMetadata, serverMetadata bool
	// fetch is MessageNew's fetch-att list, for the selected mailbox only.
	fetch []fetchItem
}

func (e notifyEvents) messages() bool { return e.messageNew || e.messageExpunge || e.flagChange }

// notifyGroup is one event-group: which mailboxes, which events.
type notifyGroup struct {
	filter notifyFilter
	names  []string // as sent, for SUBTREE and MAILBOXES
	events notifyEvents
}

type notifyArgs struct {
	none   bool
	status bool
	groups []notifyGroup
	// badEvents are the event names this server does not notify of:
	// the command is refused with NO [BADEVENT] (RFC 5465 §3.1), not BAD.
	badEvents []string
}

// supportedEvents is the list BADEVENT answers with.
const supportedEvents = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange"

// maxNotifyGroups and maxNotifyNames bound what one command may ask.
const (
	maxNotifyGroups = 50
	maxNotifyNames  = 1000
)

// parseNotify reads notify = "NOTIFY" SP (notify-set / notify-none).
func parseNotify(p *parser) notifyArgs {
	var a notifyArgs
	p.sp()
	if p.maybeWord("NONE") {
		a.none = true
		p.end()
		return a
	}
	if !p.maybeWord("SET") {
		p.expected("SET or NONE")
	}
	p.sp()
	if p.maybeWord("STATUS") {
		a.status = true
		p.sp()
	}
	selected, names := false, 0
	for {
		g := parseNotifyGroup(p, &a)
		if g.filter == filterSelected || g.filter == filterSelectedDelayed {
			if selected {
				xbad("NOTIFY: SELECTED or SELECTED-DELAYED more than once")
			}
			selected = true
		}
		if names += len(g.names); names > maxNotifyNames || len(a.groups) >= maxNotifyGroups {
			xbad("NOTIFY: too many event groups or mailboxes")
		}
		a.groups = append(a.groups, g)
		if !p.maybe(' ') {
			break
		}
	}
	p.end()
	return a
}

// parseNotifyGroup reads event-group = "(" filter-mailboxes SP events ")".
func parseNotifyGroup(p *parser, a *notifyArgs) notifyGroup {
	var g notifyGroup
	p.expect('(')
	switch w := strings.ToUpper(peekWord(p)); w {
	case "SELECTED":
		g.filter = filterSelected
	case "SELECTED-DELAYED":
		g.filter = filterSelectedDelayed
	case "INBOXES":
		g.filter = filterInboxes
	case "PERSONAL":
		g.filter = filterPersonal
	case "SUBSCRIBED":
		g.filter = filterSubscribed
	case "SUBTREE":
		g.filter = filterSubtree
	case "MAILBOXES":
		g.filter = filterMailboxes
	default:
		xbad("NOTIFY: unknown mailbox filter %q", w)
	}
	p.pos += len(peekWord(p))
	if g.filter == filterSubtree || g.filter == filterMailboxes {
		p.sp()
		if p.peek() == '(' {
			p.list(false, func() { g.names = append(g.names, p.astring()) })
		} else {
			g.names = []string{p.astring()}
		}
	}
	p.sp()
	selected := g.filter == filterSelected || g.filter == filterSelectedDelayed
	if !p.maybeWord("NONE") {
		p.list(false, func() { parseNotifyEvent(p, a, &g, selected) })
	}
	p.expect(')')
	ev := g.events
	// RFC 5465 §5: MessageNew and MessageExpunge together, and FlagChange
	// (or AnnotationChange) only with both.
	if ev.messageNew != ev.messageExpunge {
		xbad("NOTIFY: MessageNew and MessageExpunge must be asked for together")
	}
	if ev.flagChange && !ev.messageNew {
		xbad("NOTIFY: FlagChange needs MessageNew and MessageExpunge")
	}
	return g
}

func parseNotifyEvent(p *parser, a *notifyArgs, g *notifyGroup, selected bool) {
	name := p.atom()
	ev := &g.events
	switch strings.ToUpper(name) {
	case "MESSAGENEW":
		ev.messageNew = true
		if p.peek() == ' ' && len(p.rest()) > 1 && p.rest()[1] == '(' {
			if !selected {
				xbad("NOTIFY: MessageNew's fetch attributes are for SELECTED or SELECTED-DELAYED only")
			}
			p.sp()
			p.list(false, func() {
				it := parseFetchAtt(p)
				if it.setsSeen() {
					xbad("NOTIFY: fetch attribute %s would set \\Seen; use BODY.PEEK", it.label)
				}
				ev.fetch = append(ev.fetch, it)
			})
		}
	case "MESSAGEEXPUNGE":
		ev.messageExpunge = true
	case "FLAGCHANGE":
		ev.flagChange = true
	case "ANNOTATIONCHANGE":
		// Message annotations are not kept; it still counts as a
		// message event for the pairing rules, so refuse it by name.
		a.badEvents = append(a.badEvents, name)
	case "MAILBOXNAME":
		ev.mailboxName = true
	case "SUBSCRIPTIONCHANGE":
		ev.subscriptionChange = true
	case "MAILBOXMETADATACHANGE":
		ev.mailboxMetadata = true
	case "SERVERMETADATACHANGE":
		ev.serverMetadata = true
	default:
		a.badEvents = append(a.badEvents, name)
	}
	if selected && (ev.mailboxName || ev.subscriptionChange || ev.mailboxMetadata || ev.serverMetadata) {
		xbad("NOTIFY: only message events go with SELECTED or SELECTED-DELAYED")
	}
}

func runNotify(s *session, c *command, a notifyArgs) {
	if len(a.badEvents) > 0 {
		xno("BADEVENT ("+supportedEvents+")", "NOTIFY: not supported: %s", strings.Join(a.badEvents, " "))
	}
	s.stopNotify()
	if a.none {
		return
	}
	s.startNotify(a)
	// A successful NOTIFY SET is an implicit NOOP (RFC 5465 §3.1): the
	// selected mailbox's changes follow when the command ends, as after
	// any command.
}
