package imap

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"time"

	"chapar/access/sasl"
)

// The not-authenticated state's commands: STARTTLS, LOGIN and
// AUTHENTICATE (RFC 9051 §6.2; SASL-IR, RFC 4959).

func runStartTLS(s *session, c *command, _ struct{}) {
	if s.secure {
		xbad("STARTTLS: TLS is already active")
	}
	if s.srv.cfg.TLSConfig == nil {
		xbad("STARTTLS: TLS is not available")
	}
	s.writef("%s OK Begin TLS negotiation now", c.tag)
	if err := s.out.flush(); err != nil {
		panic(connError{err})
	}
	// RFC 9051 §6.2.1: nothing the client sent after STARTTLS in the
	// clear may be taken as a command of the protected session.
	tc := tls.Server(s.conn, s.srv.cfg.TLSConfig)
	tc.SetDeadline(time.Now().Add(time.Minute))
	if err := tc.Handshake(); err != nil {
		panic(connError{err})
	}
	tc.SetDeadline(time.Time{})
	s.conn, s.secure = tc, true
	s.out.setConn(tc)
	s.in.r.Reset(tc)
	c.answered = true
}

type loginArgs struct{ user, pass string }

func parseLogin(p *parser) loginArgs {
	var a loginArgs
	p.sp()
	a.user = p.astring()
	p.sp()
	a.pass = p.astring()
	p.end()
	return a
}

func runLogin(s *session, c *command, a loginArgs) {
	if !s.plaintextOK() {
		xno("PRIVACYREQUIRED", "LOGIN: passwords are refused on this connection before STARTTLS")
	}
	id, err := s.srv.sasl.Password(a.user, a.pass)
	s.authenticated(c, id, err)
}

// authenticated ends LOGIN and AUTHENTICATE alike: it answers a failed
// exchange (err), or enters the authenticated state as the user id may
// act as (an administrator may name another, RFC 4616 §2's authzid).
func (s *session) authenticated(c *command, id sasl.Identity, err error) {
	switch {
	case errors.Is(err, sasl.ErrMalformed):
		xbad("AUTHENTICATE: %v", err)
	case errors.Is(err, sasl.ErrAuthFailed):
		s.loginFailed(id.User, err)
	case err != nil:
		s.log.Warn("authentication backend", "user", id.User, "err", err)
		xno("UNAVAILABLE", "authentication is temporarily unavailable")
	}
	s.srv.throttle.succeeded(id.User)
	identity, err := s.srv.sasl.Authorize(id, func(u string) bool { return s.srv.admins[u] })
	if err != nil {
		xno("AUTHORIZATIONFAILED", "%s may not act as %s", id.User, id.Authz)
	}
	if !s.srv.acquireUser(identity) {
		xno("LIMIT", "too many connections for %s", identity)
	}
	s.user = identity
	s.admin = s.srv.admins[identity]
	// Cyrus gives administrators the standard namespace whatever
	// altnamespace says, so that "user/bob" means bob's INBOX to them.
	s.ns = newNamespace(identity, s.srv.cfg.UnixHierarchySep, s.srv.cfg.AltNamespace && !s.admin)
	s.state = stateAuth
	s.log = s.log.With("user", identity)
	s.log.Info("login")
	s.recordLogin()
	// RFC 9051 §6.2.3: the capabilities change with login, so say them.
	c.code = "CAPABILITY " + strings.Join(s.capabilities(), " ")
	c.text = "Logged in"
}

// loginFailed delays and refuses a failed login of user, and past
// maxlogintrys ends the connection.
func (s *session) loginFailed(user string, why error) {
	d := s.srv.throttle.failed(user, s.remoteHost(), time.Now())
	s.log.Info("login failed", "user", user, "delay", d, "why", why)
	if h := s.srv.delayHook.Load(); h != nil {
		(*h)(d)
	}
	time.Sleep(d)
	// Cyrus's maxlogintrys: past that many failures the connection is
	// a guesser's; the failing command still gets its tagged NO
	// (RFC 9051 §6.2.3), then BYE and the connection closes, so each
	// further batch of guesses costs a new connection.
	s.loginFailures++
	if limit := s.srv.cfg.MaxLoginTries; limit > 0 && s.loginFailures >= limit {
		s.log.Warn("too many login failures; disconnecting", "user", user, "failures", s.loginFailures)
		s.byeAfter = "Too many login failures"
	}
	xno("AUTHENTICATIONFAILED", "invalid credentials")
}

// remoteHost is the client's address without its port, the key of the
// per-address login throttle.
func (s *session) remoteHost() string {
	a := s.raw.RemoteAddr()
	if a == nil {
		return "unknown"
	}
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

type authArgs struct {
	mech    string
	initial []byte
	hasIR   bool
}

func parseAuthenticate(p *parser) authArgs {
	var a authArgs
	p.sp()
	a.mech = strings.ToUpper(p.atom())
	if p.maybe(' ') {
		a.hasIR = true
		a.initial = decodeSASL(string(p.rest()))
		p.pos = len(p.line)
	}
	p.end()
	return a
}

// decodeSASL decodes a base64 client response; "=" is the empty one
// (RFC 4959 §3), "*" cancels (RFC 9051 §6.2.2).
func decodeSASL(line string) []byte {
	switch line {
	case "*":
		xbad("AUTHENTICATE cancelled")
	case "=":
		return []byte{}
	}
	b, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		xbad("AUTHENTICATE: invalid base64")
	}
	return b
}

// saslStep sends a challenge and reads the client's response line.
func (s *session) saslStep(challenge []byte) []byte {
	s.writef("+ %s", base64.StdEncoding.EncodeToString(challenge))
	if err := s.out.flush(); err != nil {
		panic(connError{err})
	}
	line, _, err := s.in.readLine(nil)
	if errors.Is(err, errLineTooLong) {
		xbad("AUTHENTICATE: response too long")
	}
	if err != nil {
		panic(connError{err})
	}
	return decodeSASL(string(line))
}

// runAuthenticate runs a mechanism of access/sasl (RFC 9051 §6.2.2): the
// initial response of SASL-IR (RFC 4959), then "+ base64" challenges; IMAP
// has no success data, so SCRAM's server-final message is one more
// challenge, answered empty.
func runAuthenticate(s *session, c *command, a authArgs) {
	mech, err := s.srv.sasl.Start(a.mech, s.saslConn())
	switch {
	case errors.Is(err, sasl.ErrNeedTLS):
		xno("PRIVACYREQUIRED", "AUTHENTICATE %s: refused on this connection before STARTTLS", a.mech)
	case err != nil:
		xno("", "AUTHENTICATE: mechanism %s not supported", a.mech)
	}
	var initial []byte
	if a.hasIR {
		initial = append([]byte{}, a.initial...)
	}
	_, err = sasl.Run(mech, initial, false, func(challenge []byte) ([]byte, error) {
		return s.saslStep(challenge), nil
	})
	s.authenticated(c, mech.Identity(), err)
}

// saslConn describes the connection to access/sasl: its TLS state for
// channel binding, and what the password rules allow on it.
func (s *session) saslConn() sasl.Conn {
	return sasl.Conn{
		TLS:         sasl.TLSState(s.conn),
		ServerCert:  sasl.ServerCertificate(s.srv.cfg.TLSConfig),
		PlaintextOK: s.plaintextOK(),
		HashedOK:    s.hashedOK(),
	}
}
