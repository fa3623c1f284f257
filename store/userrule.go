package store

import "strings"

// UserRule is Cyrus's virtdomains and defaultdomain: the one rule that
// turns a name given at IMAP LOGIN, in an LMTP recipient or to the admin
// commands into the account it means. Every path that takes a user name
// from outside goes through Canonical, so "alice", "alice@example.com"
// (the defaultdomain) and "alice@EXAMPLE.COM" are one user everywhere.
type UserRule struct {
	// VirtDomains is "off" (also ""), "userid" or "on". chapar finds the
	// domain in the name only; Cyrus's "on" would also take it from the
	// address the client connected to, which chapar does not do.
	VirtDomains   string
	DefaultDomain string
}

// Canonical applies the rule to a user name:
//   - no domain, or the defaultdomain: the unqualified user ("alice"),
//     whose INBOX is user.alice;
//   - another domain with virtdomains userid or on: "alice@other.example",
//     whose INBOX is other.example!user.alice;
//   - another domain with virtdomains off: the domain is ignored, as
//     Cyrus's lmtpd ignores it without virtual domains ("alice").
//
// The domain is compared and kept in lower case; the local part keeps its
// case, as Cyrus does unless told otherwise.
func (r UserRule) Canonical(name string) string {
	local, domain := splitUser(strings.TrimSpace(name))
	return r.Join(local, domain)
}

// Join applies the rule to a local part and domain already apart (an
// envelope address whose local part may itself hold an '@').
func (r UserRule) Join(local, domain string) string {
	domain = strings.ToLower(domain)
	if domain == "" || domain == strings.ToLower(r.DefaultDomain) {
		return local
	}
	switch r.VirtDomains {
	case "userid", "on":
		return local + "@" + domain
	}
	return local
}
