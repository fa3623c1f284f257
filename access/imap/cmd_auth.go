package imap

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"time"

	"chapar/store"
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
	s.login(c, a.user, a.pass, "")
}

// login checks a password and enters the authenticated state; authz, when
// given and different, names the user an administrator acts as.
func (s *session) login(c *command, user, pass, authz string) {
	// One rule for user names (store.UserRule): "alice" and
	// "alice@defaultdomain" log in as the same user.
	user = s.srv.cfg.Users.Canonical(user)
	ok, err := s.srv.cfg.Authenticate(user, pass)
	if err != nil && !errors.Is(err, store.ErrNoUser) {
		s.log.Warn("authentication backend", "user", user, "err", err)
		xno("UNAVAILABLE", "authentication is temporarily unavailable")
	}
	if !ok {
		d := s.srv.throttle.failed(user, s.remoteHost(), time.Now())
		s.log.Info("login failed", "user", user, "delay", d)
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
	identity := user
	s.srv.throttle.succeeded(identity)
	if authz != "" && s.srv.cfg.Users.Canonical(authz) != identity {
		if !s.srv.admins[identity] {
			xno("AUTHORIZATIONFAILED", "%s may not act as %s", identity, authz)
		}
		identity = s.srv.cfg.Users.Canonical(authz)
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
func (s *session) saslStep(challenge string) []byte {
	s.writef("+ %s", base64.StdEncoding.EncodeToString([]byte(challenge)))
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

func runAuthenticate(s *session, c *command, a authArgs) {
	switch a.mech {
	case "PLAIN":
		if !s.plaintextOK() {
			xno("PRIVACYREQUIRED", "AUTHENTICATE PLAIN: passwords are refused on this connection before STARTTLS")
		}
		resp := a.initial
		if !a.hasIR {
			resp = s.saslStep("")
		}
		// RFC 4616 §2: authzid NUL authcid NUL passwd.
		parts := bytes.Split(resp, []byte{0})
		if len(parts) != 3 || len(parts[1]) == 0 {
			xbad("AUTHENTICATE PLAIN: malformed response")
		}
		s.login(c, string(parts[1]), string(parts[2]), string(parts[0]))
	case "LOGIN":
		if !s.plaintextOK() {
			xno("PRIVACYREQUIRED", "AUTHENTICATE LOGIN: passwords are refused on this connection before STARTTLS")
		}
		user := a.initial
		if !a.hasIR {
			user = s.saslStep("Username:")
		}
		pass := s.saslStep("Password:")
		s.login(c, string(user), string(pass), "")
	default:
		xno("", "AUTHENTICATE: mechanism %s not supported", a.mech)
	}
}
