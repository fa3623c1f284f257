package imap

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"chapar/store"
)

// URLAUTH (RFC 4467): GENURLAUTH signs a URL with the user's key for its
// mailbox, URLFETCH gives what a signed URL names to whoever its access
// identifier admits, RESETKEY replaces keys. The one mechanism is
// INTERNAL: the token is HMAC-SHA256 of the URL up to its access
// identifier (the "rump", §2), in hex, under the store's key
// (store/urlauth.go). URLFETCH reads with the rights of the URL's author
// at the time of the fetch (§3), and answers NIL for any URL it will not
// serve, without saying why (§6.3).

const urlAuthMechanism = "INTERNAL"

// urlAuth is an IMAP URL with URLAUTH parts.
type urlAuth struct {
	author string    // the userid of the URL's authority
	base   *imapURL  // what it names
	expire time.Time // zero: never
	access string    // "anonymous", "authuser", "user+ID", "submit+ID"
	rump   string    // the URL through ";URLAUTH=access"
	mech   string    // "" in a rump URL
	token  string
}

// parseURLAuth reads "imap://" userid ["@" host] "/" ... [";EXPIRE=" time]
// ";URLAUTH=" access [":" mechanism ":" token] (RFC 4467 §2, RFC 5092 §3).
func parseURLAuth(raw string) (*urlAuth, error) {
	rest, ok := cutPrefixFold(raw, "imap://")
	if !ok {
		return nil, errors.New("not an absolute IMAP URL")
	}
	authority, _, _ := strings.Cut(rest, "/")
	userPart, _, hasUser := strings.Cut(authority, "@")
	if !hasUser {
		return nil, errors.New("no userid in the URL")
	}
	userPart, _, _ = strings.Cut(userPart, ";")
	author, err := url.PathUnescape(userPart)
	if err != nil || author == "" {
		return nil, errors.New("bad userid")
	}
	i := lastIndexFold(raw, ";URLAUTH=")
	if i < 0 {
		return nil, errors.New("no ;URLAUTH=")
	}
	u := &urlAuth{author: author}
	tail := raw[i+len(";URLAUTH="):]
	access, authPart, hasMech := strings.Cut(tail, ":")
	u.rump = raw[:i+len(";URLAUTH=")+len(access)]
	if hasMech {
		mech, token, ok := strings.Cut(authPart, ":")
		if !ok {
			return nil, errors.New("no token")
		}
		u.mech, u.token = strings.ToUpper(mech), strings.ToLower(token)
	}
	if u.access, err = parseAccess(access); err != nil {
		return nil, err
	}
	before := raw[:i]
	if j := indexFold(before, ";EXPIRE="); j >= 0 {
		t, err := time.Parse(time.RFC3339, before[j+len(";EXPIRE="):])
		if err != nil {
			return nil, errors.New("bad EXPIRE")
		}
		u.expire, before = t, before[:j]
	}
	if u.base, err = parseIMAPURL(before); err != nil {
		return nil, err
	}
	return u, nil
}

// parseAccess reads an access identifier (RFC 4467 §3), with its userid
// percent-decoded.
func parseAccess(a string) (string, error) {
	switch low := strings.ToLower(a); {
	case low == "anonymous" || low == "authuser":
		return low, nil
	case strings.HasPrefix(low, "user+") || strings.HasPrefix(low, "submit+"):
		kind, id, _ := strings.Cut(a, "+")
		user, err := url.PathUnescape(id)
		if err != nil || user == "" {
			return "", errors.New("bad access identifier")
		}
		return strings.ToLower(kind) + "+" + user, nil
	}
	return "", fmt.Errorf("unknown access identifier %q", a)
}

// urlAuthToken is the INTERNAL mechanism's token for a rump URL.
func urlAuthToken(key []byte, rump string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(rump))
	return hex.EncodeToString(m.Sum(nil))
}

type genURLAuthArgs struct{ urls []string }

// parseGenURLAuth reads 1*(SP url SP mechanism) (RFC 4467 §9).
func parseGenURLAuth(p *parser) genURLAuthArgs {
	var a genURLAuthArgs
	for p.maybe(' ') {
		if len(a.urls) >= maxURLs {
			xbad("GENURLAUTH: more than %d URLs", maxURLs)
		}
		u := p.astring()
		p.sp()
		if mech := strings.ToUpper(p.atom()); mech != urlAuthMechanism {
			xno("", "GENURLAUTH: mechanism %s not supported", mech)
		}
		a.urls = append(a.urls, u)
	}
	if len(a.urls) == 0 {
		p.expected("space")
	}
	p.end()
	return a
}

// maxURLs bounds the URLs of one command.
const maxURLs = 100

// runGenURLAuth signs each URL for the session's user, who must be the
// URL's author and able to read its mailbox (RFC 4467 §4.2).
func runGenURLAuth(s *session, c *command, a genURLAuthArgs) {
	b := []byte("* GENURLAUTH")
	for _, raw := range a.urls {
		u, err := parseURLAuth(raw)
		if err != nil {
			xno("", "GENURLAUTH: %s", err)
		}
		if u.mech != "" {
			xno("", "GENURLAUTH: the URL is already authorized")
		}
		if s.srv.cfg.Users.Canonical(u.author) != s.user {
			xno("", "GENURLAUTH: the URL's userid is not %s", s.user)
		}
		name, ok := s.ns.internal(canonicalInbox(u.base.mailbox))
		if !ok {
			xno("", "GENURLAUTH: invalid mailbox name")
		}
		mb, _, err := s.act().Mailbox(name, store.RightRead)
		if err != nil {
			s.storeError("GENURLAUTH", err)
		}
		key, err := s.act().URLAuthKey(mb)
		if err != nil {
			s.storeError("GENURLAUTH", err)
		}
		b = append(b, ' ')
		b = appendString(b, u.rump+":"+strings.ToLower(urlAuthMechanism)+":"+urlAuthToken(key, u.rump), false)
	}
	s.writef("%s", b)
}

func canonicalInbox(ext string) string {
	if isInbox(ext) {
		return "INBOX"
	}
	return ext
}

type urlFetchArgs struct{ urls []string }

func parseURLFetch(p *parser) urlFetchArgs {
	var a urlFetchArgs
	for p.maybe(' ') {
		if len(a.urls) >= maxURLs {
			xbad("URLFETCH: more than %d URLs", maxURLs)
		}
		a.urls = append(a.urls, p.astring())
	}
	if len(a.urls) == 0 {
		p.expected("space")
	}
	p.end()
	return a
}

// runURLFetch answers each URL with its data, or NIL (RFC 4467 §4.4).
func runURLFetch(s *session, c *command, a urlFetchArgs) {
	for _, raw := range a.urls {
		b := []byte("* URLFETCH ")
		b = appendString(b, raw, false)
		b = append(b, ' ')
		data := s.urlFetch(raw)
		if data == nil {
			b = append(b, "NIL"...)
			s.writef("%s", b)
			continue
		}
		b = s.writeLiteral(b, data, true)
		s.writef("%s", b)
	}
}

// urlFetch verifies a URL and reads what it names; nil for any failure.
func (s *session) urlFetch(raw string) []byte {
	u, err := parseURLAuth(raw)
	if err != nil || u.mech != urlAuthMechanism || len(u.token) < 32 {
		return nil
	}
	if !u.expire.IsZero() && time.Now().After(u.expire) {
		return nil
	}
	if !s.mayFetch(u.access) {
		return nil
	}
	author := s.srv.cfg.Users.Canonical(u.author)
	admin := s.srv.admins[author]
	ns := newNamespace(author, s.srv.cfg.UnixHierarchySep, s.srv.cfg.AltNamespace && !admin)
	act := s.store().As(author, admin)
	name, ok := ns.internal(canonicalInbox(u.base.mailbox))
	if !ok {
		return nil
	}
	mb, _, err := act.Mailbox(name, store.RightRead)
	if err != nil {
		return nil
	}
	key, err := s.store().URLAuthKey(author, mb, false)
	if err != nil || key == nil {
		return nil
	}
	if !hmac.Equal([]byte(u.token), []byte(urlAuthToken(key, u.rump))) {
		return nil
	}
	data, err := s.urlDataAs(u.base, ns, act)
	if err != nil {
		return nil
	}
	return data
}

// mayFetch applies an access identifier to the session's user (RFC 4467
// §3). "submit+" URLs are for the submission server acting for that user;
// chapar takes its administrators for such servers (Cyrus names them in
// submitservers).
func (s *session) mayFetch(access string) bool {
	switch {
	case access == "anonymous", access == "authuser":
		return true
	case strings.HasPrefix(access, "user+"):
		return s.srv.cfg.Users.Canonical(access[len("user+"):]) == s.user
	case strings.HasPrefix(access, "submit+"):
		return s.admin
	}
	return false
}

type resetKeyArgs struct{ mailbox string }

// parseResetKey reads [SP mailbox *(SP mechanism)] (RFC 4467 §9).
func parseResetKey(p *parser) resetKeyArgs {
	var a resetKeyArgs
	if p.maybe(' ') {
		a.mailbox = p.astring()
		for p.maybe(' ') {
			if mech := strings.ToUpper(p.atom()); mech != urlAuthMechanism {
				xno("", "RESETKEY: mechanism %s not supported", mech)
			}
		}
	}
	p.end()
	return a
}

func runResetKey(s *session, c *command, a resetKeyArgs) {
	var mb *store.Mailbox
	if a.mailbox != "" {
		mb, _, _ = s.lookupMailbox(a.mailbox, store.RightRead)
	}
	if err := s.act().ResetURLAuthKeys(mb); err != nil {
		s.storeError("RESETKEY", err)
	}
}
