package webhook

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Limits on what an operator may register.
const (
	// MinSecret is the shortest secret: 16 bytes, so that the signature
	// is not guessable from a short password.
	MinSecret = 16
	maxSecret = 1024
	maxURL    = 2048
	maxFilter = 1024
	// MaxBatch is the most events one POST of a batch carries: about
	// a megabyte of JSON at a kilobyte an event.
	MaxBatch = 1000
)

// checkURL accepts an absolute http or https URL with a host.
func checkURL(raw string) error {
	if len(raw) > maxURL {
		return fmt.Errorf("URL longer than %d bytes", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("URL %q: %w", raw, err)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("URL %q: only http and https URLs are allowed", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("URL %q has no host", raw)
	}
	return nil
}

func checkSecret(secret string) error {
	switch {
	case len(secret) < MinSecret:
		return fmt.Errorf("the secret has %d bytes; it needs at least %d", len(secret), MinSecret)
	case len(secret) > maxSecret:
		return fmt.Errorf("the secret is longer than %d bytes", maxSecret)
	}
	return nil
}

// eventTypes are the event types chapar publishes or will: RFC 5423's
// and Cyrus's names. A webhook names them exactly (they are the last token
// of the subject the stream filters on), so a misspelt one, which would
// match nothing, is refused rather than silently never sent.
func eventTypes() []string {
	return []string{"MessageNew", "MessageAppend", "MessageExpire", "MessageExpunge", "MessageRead",
		"MessageTrash", "FlagsSet", "FlagsClear", "QuotaExceed", "QuotaWithin", "QuotaChange", "Login",
		"Logout", "MailboxCreate", "MailboxDelete", "MailboxRename", "MailboxSubscribe",
		"MailboxUnSubscribe", "AclChange"}
}

func checkTypes(types []string) error {
	if len(strings.Join(types, ",")) > maxFilter {
		return fmt.Errorf("event types: longer than %d bytes", maxFilter)
	}
	known := eventTypes()
	for _, t := range types {
		if t == "" {
			return errors.New("event types: an empty name")
		}
		if slices.Contains(known, t) {
			continue
		}
		for _, k := range known {
			if strings.EqualFold(k, t) {
				return fmt.Errorf("event types: %q is spelt %q", t, k)
			}
		}
		return fmt.Errorf("event types: %q is no event type; known: %s", t, strings.Join(known, ","))
	}
	return nil
}

func checkPattern(p string) error {
	if len(p) > maxFilter {
		return fmt.Errorf("mailbox pattern: longer than %d bytes", maxFilter)
	}
	for _, r := range p {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("mailbox pattern %q: control characters or bad UTF-8", p)
		}
	}
	return nil
}
