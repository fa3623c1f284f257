package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Mailbox names are kept in Cyrus's internal form: components joined by '.',
// a user's INBOX is "user.<name>", a virtual domain prefixes "domain!". A '.'
// inside a component (possible under unixhierarchysep, where clients use '/')
// is stored as '^', as Cyrus does.

// MaxNameLen bounds an internal mailbox name (Cyrus's MAX_MAILBOX_NAME is 490).
const MaxNameLen = 490

// UserInbox returns the internal name of user's INBOX; user may carry a
// domain ("bob@example.com" → "example.com!user.bob").
func UserInbox(user string) string {
	local, domain := splitUser(user)
	name := "user." + strings.ReplaceAll(local, ".", "^")
	if domain != "" {
		return domain + "!" + name
	}
	return name
}

func splitUser(user string) (local, domain string) {
	if i := strings.LastIndexByte(user, '@'); i >= 0 {
		return user[:i], strings.ToLower(user[i+1:])
	}
	return user, ""
}

// Owner returns the user owning an internal mailbox name, or "" for a shared
// mailbox ("example.com!user.bob.Sent" → "bob@example.com").
func Owner(name string) string {
	domain := ""
	if i := strings.IndexByte(name, '!'); i >= 0 {
		domain, name = name[:i], name[i+1:]
	}
	if !strings.HasPrefix(name, "user.") {
		return ""
	}
	local := name[len("user."):]
	if i := strings.IndexByte(local, '.'); i >= 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(local, "^", ".")
	if domain != "" {
		return local + "@" + domain
	}
	return local
}

// Parent returns the internal parent name, or "" at the top.
func Parent(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// ValidateName checks an internal mailbox name.
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w: length %d", ErrBadName, len(name))
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: not UTF-8", ErrBadName)
	}
	body := name
	if i := strings.IndexByte(name, '!'); i >= 0 {
		// A domain has dots ("example.com"), but no empty label.
		domain := name[:i]
		if domain == "" || strings.ContainsAny(domain, "/ ") || strings.HasPrefix(domain, ".") ||
			strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
			return fmt.Errorf("%w: bad domain in %q", ErrBadName, name)
		}
		body = name[i+1:]
	}
	for _, comp := range strings.Split(body, ".") {
		if comp == "" {
			return fmt.Errorf("%w: empty component in %q", ErrBadName, name)
		}
		for _, r := range comp {
			if r < 0x20 || r == 0x7f || r == '!' || r == '*' || r == '%' || r == '@' || r == '/' {
				return fmt.Errorf("%w: character %q in %q", ErrBadName, r, name)
			}
		}
	}
	if body == "user" {
		return fmt.Errorf("%w: %q is the users' root", ErrBadName, name)
	}
	return nil
}

// Namer converts between internal names and the names an administrator types
// (cyradm's form): "user/alice/Work" under unixhierarchysep, "user.alice.Work"
// otherwise, with "@domain" after the name under virtdomains.
type Namer struct {
	UnixHierarchySep bool
}

// Sep is the hierarchy separator clients and administrators see.
func (n Namer) Sep() byte {
	if n.UnixHierarchySep {
		return '/'
	}
	return '.'
}

// Internal converts an external administrator name to internal form.
func (n Namer) Internal(ext string) (string, error) {
	domain := ""
	if i := strings.LastIndexByte(ext, '@'); i >= 0 {
		ext, domain = ext[:i], strings.ToLower(ext[i+1:])
	}
	name := ext
	if n.UnixHierarchySep {
		name = strings.ReplaceAll(name, ".", "^")
		name = strings.ReplaceAll(name, "/", ".")
	}
	if domain != "" {
		name = domain + "!" + name
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return name, nil
}

// External converts an internal name to the administrator's form.
func (n Namer) External(name string) string {
	domain := ""
	if i := strings.IndexByte(name, '!'); i >= 0 {
		domain, name = name[:i], name[i+1:]
	}
	if n.UnixHierarchySep {
		name = strings.ReplaceAll(name, ".", "/")
		name = strings.ReplaceAll(name, "^", ".")
	}
	if domain != "" {
		name += "@" + domain
	}
	return name
}
