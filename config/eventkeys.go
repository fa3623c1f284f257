package config

import (
	"fmt"
	"slices"
	"strings"
)

// Cyrus's event_* options (imapd.conf(5)), read as Cyrus reads them:
// space-separated names, checked against Cyrus's own lists, so that a file
// moved over from Cyrus means the same here. notify applies them.

// eventGroupNames are Cyrus's event_groups values. calendar,
// applepushservice and jmap name events chapar never emits.
var eventGroupNames = []string{"message", "quota", "flags", "access", "subscription", "mailbox", "calendar", "applepushservice", "jmap"}

// EventParamsImplemented are the event_extra_params chapar fills; Cyrus's
// others are accepted with a warning (eventParamsNotImplemented).
var EventParamsImplemented = []string{"clientAddress", "diskUsed", "flagNames", "messageSize", "messages", "modseq", "service", "timestamp", "uidnext", "vnd.cmu.midset", "vnd.cmu.unseenMessages"}

// eventParamsNotImplemented are Cyrus's other event_extra_params: about
// data chapar does not keep (envelope and body structure caches, DAV,
// conversations, JMAP, session ids).
var eventParamsNotImplemented = []string{"bodyStructure", "vnd.cmu.envelope", "vnd.cmu.sessionId", "vnd.cmu.mailboxACL", "vnd.cmu.mbtype", "vnd.cmu.davFilename", "vnd.cmu.davUid", "vnd.cmu.emailid", "vnd.cmu.threadid", "vnd.cmu.visibleUsers", "vnd.fastmail.clientId", "vnd.fastmail.sessionId", "vnd.fastmail.convExists", "vnd.fastmail.convUnseen", "vnd.fastmail.cid", "vnd.fastmail.counters", "vnd.fastmail.jmapEmail", "vnd.fastmail.jmapStates", "vnd.fastmail.traceId"}

// setEventGroups reads event_groups.
func setEventGroups(p *parser, v string) error {
	l := parseList(v)
	for _, g := range l {
		if !slices.Contains(eventGroupNames, strings.ToLower(g)) {
			return fmt.Errorf("unknown event group %q, expected some of %s", g, strings.Join(eventGroupNames, " "))
		}
	}
	for i := range l {
		l[i] = strings.ToLower(l[i])
	}
	p.cfg.EventGroups = l
	return nil
}

// setEventExtraParams reads event_extra_params; a parameter chapar has no
// data for is kept out, with a warning.
func setEventExtraParams(p *parser, v string) error {
	var keep []string
	for _, name := range parseList(v) {
		switch {
		case slices.Contains(EventParamsImplemented, name):
			keep = append(keep, name)
		case slices.Contains(eventParamsNotImplemented, name):
			p.warn(fmt.Sprintf("event_extra_params: %q is not implemented; events go without it", name))
		default:
			return fmt.Errorf("unknown event parameter %q", name)
		}
	}
	if keep == nil {
		keep = []string{}
	}
	p.cfg.EventExtraParams = keep
	return nil
}
