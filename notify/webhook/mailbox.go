package webhook

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"chapar/notify"
)

// compilePattern is notify.MailboxPattern: "" matches every event, with
// a mailbox or without.
func compilePattern(p string) *regexp.Regexp { return notify.MailboxPattern(p) }

// eventMailbox is the internal name of the mailbox an event is about, ""
// for an event about none (Login) or one it cannot tell. The event's JSON
// is read for its "mailbox" (the internal name); an event that carries
// only Cyrus's "uri" (imap://alice@host/INBOX/Sent;UIDVALIDITY=1/;UID=2)
// is read from that.
func eventMailbox(data []byte) string {
	var e struct {
		Mailbox string `json:"mailbox"`
		URI     string `json:"uri"`
	}
	if json.Unmarshal(data, &e) != nil {
		return ""
	}
	if e.Mailbox != "" && !strings.Contains(e.Mailbox, "://") {
		return e.Mailbox
	}
	if e.URI == "" {
		e.URI = e.Mailbox
	}
	return mailboxFromURI(e.URI)
}

// mailboxFromURI reads an RFC 5092 IMAP URL as Cyrus writes it in events:
// the user is the mailbox's owner and the path the mailbox as that user
// sees it ("INBOX", "INBOX/Sent" or, in the alternate namespace, "Sent"),
// or, without a user, a shared mailbox. The result is chapar's internal
// name; "" for what is no IMAP URL.
func mailboxFromURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "imap") {
		return ""
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(u.EscapedPath(), "/"), ";")
	path = strings.TrimSuffix(path, "/")
	if path, err = url.PathUnescape(path); err != nil || path == "" {
		return ""
	}
	// Cyrus's internal names separate levels with "."; the URL shows the
	// client's separator, "/" with unixhierarchysep.
	name := strings.ReplaceAll(path, "/", ".")
	user := ""
	if u.User != nil {
		user = u.User.Username()
	}
	domain := ""
	if local, dom, ok := strings.Cut(user, "@"); ok {
		user, domain = local, dom
	}
	switch {
	case user == "" || strings.HasPrefix(name, "user."):
		// Shared, or already in the administrators' namespace.
	case strings.EqualFold(name, "INBOX"):
		name = "user." + user
	case len(name) > 6 && strings.EqualFold(name[:6], "INBOX."):
		name = "user." + user + name[5:]
	default:
		name = "user." + user + "." + name
	}
	if domain != "" {
		name = domain + "!" + name
	}
	return name
}
