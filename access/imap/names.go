package imap

import (
	"strings"

	"chapar/store"
)

// namespace maps between the names a user's client sees and the store's
// internal names, as Cyrus 3 does (RFC 2342 namespaces):
//
//	altnamespace no:  INBOX, INBOX/Work       user/bob/...        Shared
//	altnamespace yes: INBOX, Work             Other Users/bob/... Shared Folders/Shared
//
// with '/' or '.' as the separator (unixhierarchysep). A '.' inside a name
// component is stored as '^' under '/', so '^' is refused in client names.
type namespace struct {
	sep    byte
	alt    bool
	domain string // the user's domain, "" without virtual domains
	inbox  string // internal name of the user's INBOX, without domain
}

const (
	altOtherPrefix  = "Other Users"
	altSharedPrefix = "Shared Folders"
	otherPrefix     = "user"
)

func newNamespace(user string, unixSep, alt bool) namespace {
	ns := namespace{sep: '.', alt: alt}
	if unixSep {
		ns.sep = '/'
	}
	inbox := store.UserInbox(user)
	if i := strings.IndexByte(inbox, '!'); i >= 0 {
		ns.domain, inbox = inbox[:i], inbox[i+1:]
	}
	ns.inbox = inbox
	return ns
}

// personalPrefix is the personal namespace's prefix (NAMESPACE, RFC 2342).
func (ns namespace) personalPrefix() string {
	if ns.alt {
		return ""
	}
	return "INBOX" + string(ns.sep)
}

func (ns namespace) otherPrefix() string {
	if ns.alt {
		return altOtherPrefix + string(ns.sep)
	}
	return otherPrefix + string(ns.sep)
}

func (ns namespace) sharedPrefix() string {
	if ns.alt {
		return altSharedPrefix + string(ns.sep)
	}
	return ""
}

// isInbox reports whether an external name means INBOX, which is
// case-insensitive (RFC 9051 §5.1).
func isInbox(name string) bool { return strings.EqualFold(name, "INBOX") }

// internal converts a client's (already decoded, UTF-8) name. ok is false
// for a name no mailbox can have.
func (ns namespace) internal(ext string) (string, bool) {
	if ext == "" {
		return "", false
	}
	comps := strings.Split(ext, string(ns.sep))
	for _, c := range comps {
		if c == "" || strings.ContainsRune(c, '^') && ns.sep == '/' {
			return "", false
		}
	}
	var body string
	switch {
	case isInbox(comps[0]):
		if len(comps) == 1 {
			body = ns.inbox
		} else if ns.alt {
			// Under altnamespace INBOX has no children: its would-be
			// children are the top-level folders.
			return "", false
		} else {
			body = ns.inbox + "." + ns.join(comps[1:])
		}
	case comps[0] == otherRoot(ns.alt):
		if len(comps) < 2 {
			return "", false
		}
		body = "user." + ns.join(comps[1:])
	case ns.alt && comps[0] == altSharedPrefix:
		if len(comps) < 2 {
			return "", false
		}
		body = ns.join(comps[1:])
	case ns.alt:
		body = ns.inbox + "." + ns.join(comps)
	default:
		body = ns.join(comps)
	}
	name := body
	if ns.domain != "" {
		name = ns.domain + "!" + body
	}
	if store.ValidateName(name) != nil {
		return "", false
	}
	return name, true
}

func otherRoot(alt bool) string {
	if alt {
		return altOtherPrefix
	}
	return otherPrefix
}

// join turns external components into internal ones.
func (ns namespace) join(comps []string) string {
	out := make([]string, len(comps))
	for i, c := range comps {
		if ns.sep == '/' {
			c = strings.ReplaceAll(c, ".", "^")
		}
		out[i] = c
	}
	return strings.Join(out, ".")
}

// external converts an internal name to what the client sees; ok is false
// for a name outside the user's domain.
func (ns namespace) external(name string) (string, bool) {
	domain := ""
	if i := strings.IndexByte(name, '!'); i >= 0 {
		domain, name = name[:i], name[i+1:]
	}
	if domain != ns.domain {
		return "", false
	}
	switch {
	case name == ns.inbox:
		return "INBOX", true
	case strings.HasPrefix(name, ns.inbox+"."):
		rest := ns.split(name[len(ns.inbox)+1:])
		if ns.alt {
			return rest, true
		}
		return "INBOX" + string(ns.sep) + rest, true
	case strings.HasPrefix(name, "user."):
		return otherRoot(ns.alt) + string(ns.sep) + ns.split(name[len("user."):]), true
	case ns.alt:
		return altSharedPrefix + string(ns.sep) + ns.split(name), true
	default:
		return ns.split(name), true
	}
}

// split turns internal components into external ones.
func (ns namespace) split(body string) string {
	if ns.sep == '.' {
		return body
	}
	comps := strings.Split(body, ".")
	for i, c := range comps {
		comps[i] = strings.ReplaceAll(c, "^", ".")
	}
	return strings.Join(comps, "/")
}
