package pop3

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"chapar/store"
)

// The AUTHORIZATION state's commands: USER and PASS (RFC 1939 §7), APOP
// (refused), AUTH (RFC 5034) and STLS (RFC 2595 §4).

// plaintextOK says whether a password may be sent now.
func (s *session) plaintextOK() bool { return s.secure || s.srv.cfg.PlaintextOK(s.raw) }

func (s *session) cmdUser(args []string) {
	if !s.plaintextOK() {
		// RFC 2595 §4 lets a server refuse USER/PASS outside TLS; RFC
		// 3206 §4's AUTH says the refusal is about this login, for good.
		s.err("[AUTH] Plaintext passwords need TLS; use STLS")
		return
	}
	s.userArg = args[0]
	s.ok("Send PASS")
}

func (s *session) cmdPass(args []string) {
	if s.userArg == "" {
		s.err("USER first")
		return
	}
	user := s.userArg
	s.userArg = ""
	ok, err := s.verify(user, args[0])
	switch {
	case err != nil:
		s.log.Warn("authentication backend", "user", user, "err", err)
		s.err("[SYS/TEMP] Authentication is temporarily unavailable")
	case !ok:
		s.failed(user)
	default:
		s.login(user, "")
	}
}

// cmdApop refuses APOP (RFC 1939 §7): it needs the password kept in the
// clear, and chapar stores only hashes; the greeting offers no timestamp.
func (s *session) cmdApop([]string) {
	s.err("[AUTH] APOP is not offered; use USER/PASS or AUTH over TLS")
}

// verify checks a password of a user name as written, through the user
// rule; an unknown user is a wrong password, not a backend failure.
func (s *session) verify(user, pass string) (bool, error) {
	ok, err := s.srv.cfg.Authenticate(s.srv.cfg.Users.Canonical(user), pass)
	if errors.Is(err, store.ErrNoUser) {
		return false, nil
	}
	return ok, err
}

// failed answers a wrong password, slowly, and past maxlogintrys ends
// the connection.
func (s *session) failed(user string) {
	s.failures++
	s.log.Info("login failed", "user", user)
	time.Sleep(s.srv.cfg.FailureDelay)
	s.err("[AUTH] Invalid login")
	if m := s.srv.cfg.MaxLoginTries; m > 0 && s.failures >= m {
		s.log.Warn("too many login failures; disconnecting", "failures", s.failures)
		s.done = true
	}
}

// login enters TRANSACTION as user (authz, when given and different,
// names the user an administrator acts as): the popminpoll check, the
// maildrop lock and its snapshot (RFC 1939 §8).
func (s *session) login(user, authz string) {
	identity := s.srv.cfg.Users.Canonical(user)
	if authz != "" && s.srv.cfg.Users.Canonical(authz) != identity {
		if !s.srv.admins[identity] {
			s.err("[AUTH] %s may not act as %s", identity, printable(authz))
			return
		}
		identity = s.srv.cfg.Users.Canonical(authz)
	}
	if wait := s.srv.pollTooSoon(identity); wait > 0 {
		// RFC 2449 §8.1.1: LOGIN-DELAY says the login came too soon.
		mins := int((s.srv.cfg.MinPoll + time.Minute - 1) / time.Minute)
		s.err("[LOGIN-DELAY] Logins must be at least %d minute%s apart", mins, plural(mins))
		return
	}
	actor := s.srv.cfg.Store.As(identity, s.srv.admins[identity])
	drop, err := openMaildrop(s.srv, actor)
	if err != nil {
		var r refusal
		if errors.As(err, &r) {
			s.err("%s", r.text)
		} else {
			s.log.Warn("opening maildrop", "user", identity, "err", err)
			s.err("[SYS/TEMP] Unable to open maildrop")
		}
		return
	}
	s.srv.recordLogin(identity)
	s.user, s.actor, s.drop, s.state = identity, actor, drop, stateTransaction
	s.log = s.log.With("user", identity)
	s.log.Info("login", "messages", len(drop.msgs), "tls", s.secure)
	s.recordLogin()
	n, size := drop.stat()
	s.ok("Mailbox locked and ready: %d message%s (%d octets)", n, plural(n), size)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cmdAuth runs a SASL exchange (RFC 5034 §4). Without arguments it
// lists the mechanisms, as Cyrus and the clients of RFC 1734's day
// expect.
func (s *session) cmdAuth(args []string) {
	mechs := s.offered()
	if len(args) == 0 {
		s.ok("Mechanisms follow")
		for _, m := range mechs {
			s.line(m.Name())
		}
		s.line(".")
		return
	}
	name := strings.ToUpper(args[0])
	var mech Mechanism
	for _, m := range s.srv.cfg.Mechanisms {
		if m.Name() == name {
			mech = m
		}
	}
	if mech == nil {
		s.err("Mechanism %s is not supported", printable(name))
		return
	}
	if mech.SendsPassword() && !s.plaintextOK() {
		s.err("[AUTH] %s sends the password in the clear; use STLS first", name)
		return
	}
	var resp []byte
	if len(args) == 2 {
		// RFC 5034 §4: "=" is an empty initial response.
		var err error
		if resp, err = decode64(args[1]); err != nil {
			s.err("Invalid base64 in the initial response")
			return
		}
	}
	ex := mech.Start(s.verify)
	for {
		challenge, done, err := ex.Next(resp)
		switch {
		case errors.Is(err, ErrAuthFailed):
			authc, _ := ex.Identity()
			s.failed(authc)
			return
		case errors.Is(err, ErrUnavailable):
			s.log.Warn("authentication backend", "mechanism", name, "err", err)
			s.err("[SYS/TEMP] Authentication is temporarily unavailable")
			return
		case err != nil:
			s.err("%s: %s", name, err.Error())
			return
		case done:
			authc, authz := ex.Identity()
			s.login(authc, authz)
			return
		}
		// RFC 5034 §4: "+ " and the base64 challenge; the client
		// answers on one line, "*" cancelling.
		s.line("+ " + base64.StdEncoding.EncodeToString(challenge))
		if err := s.w.Flush(); err != nil {
			s.done = true
			return
		}
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			s.err("SASL response too long")
			return
		}
		if err != nil {
			s.done = true
			return
		}
		if line == "*" {
			s.err("Authentication cancelled")
			return
		}
		if resp, err = decode64(line); err != nil {
			s.err("Invalid base64 in the SASL response")
			return
		}
	}
}

// offered are the mechanisms this connection may use now.
func (s *session) offered() []Mechanism {
	var out []Mechanism
	for _, m := range s.srv.cfg.Mechanisms {
		if !m.SendsPassword() || s.plaintextOK() {
			out = append(out, m)
		}
	}
	return out
}

func decode64(v string) ([]byte, error) {
	if v == "=" {
		return []byte{}, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// cmdStls starts TLS (RFC 2595 §4), only before a login.
func (s *session) cmdStls([]string) {
	switch {
	case s.secure:
		s.err("TLS is already active")
		return
	case s.srv.cfg.TLSConfig == nil:
		s.err("STLS is not available")
		return
	}
	s.ok("Begin TLS negotiation now")
	if err := s.w.Flush(); err != nil {
		s.done = true
		return
	}
	tc := tls.Server(s.conn, s.srv.cfg.TLSConfig)
	tc.SetDeadline(time.Now().Add(time.Minute))
	if err := tc.Handshake(); err != nil {
		s.log.Info("TLS handshake failed", "err", err)
		s.done = true
		return
	}
	tc.SetDeadline(time.Time{})
	// RFC 2595 §4: what the client sent before the handshake is not a
	// command of the protected session, and USER given before is gone.
	s.conn, s.secure, s.userArg = tc, true, ""
	s.w.Reset(tc)
	s.r.Reset(tc)
}

// printable is a client's string fit to repeat in a reply: control
// characters (a CRLF would end the reply early and forge the next) become
// "?", and it is cut short, so that the reply stays under RFC 2449 §4's
// 512 octets.
func printable(v string) string {
	const limit = 64
	b := []byte(v)
	if len(b) > limit {
		b = append(b[:limit], "..."...)
	}
	for i, c := range b {
		if c < ' ' || c == 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}
