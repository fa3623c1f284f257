package webhook

import (
	"errors"
	"fmt"
	"net/url"
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

// checkTypes accepts event type names: letters only, as RFC 5423's are,
// which also keeps them safe as the last token of a NATS subject filter.
func checkTypes(types []string) error {
	if len(strings.Join(types, ",")) > maxFilter {
		return fmt.Errorf("event types: longer than %d bytes", maxFilter)
	}
	for _, t := range types {
		if t == "" {
			return errors.New("event types: an empty name")
		}
		for _, r := range t {
			if r > unicode.MaxASCII || !unicode.IsLetter(r) {
				return fmt.Errorf("event types: %q is no event type name", t)
			}
		}
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
