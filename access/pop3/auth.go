package pop3

import (
	"crypto/tls"
	"errors"
	"time"

	"chapar/access/sasl"
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
	id, err := s.srv.sasl.Password(user, args[0])
	s.authenticated("PASS", id, err)
}

// cmdApop refuses APOP (RFC 1939 §7): it needs the password kept in the
// clear, and chapar stores only hashes; the greeting offers no timestamp.
func (s *session) cmdApop([]string) {
	s.err("[AUTH] APOP is not offered; use USER/PASS or AUTH over TLS")
}

// authenticated ends PASS and AUTH alike (how names which): it answers
// an exchange that failed (err), or logs in as the user id may act as
// (an administrator may name another, RFC 4616 §2's authzid).
func (s *session) authenticated(how string, id sasl.Identity, err error) {
	switch {
	case errors.Is(err, sasl.ErrAuthFailed):
		s.failed(id.User, err)
		return
	case errors.Is(err, sasl.ErrMalformed):
		s.log.Info("malformed SASL message", "mechanism", how, "err", err)
		s.err("Malformed %s message", how)
		return
	case err != nil:
		s.log.Warn("authentication backend", "user", id.User, "err", err)
		s.err("[SYS/TEMP] Authentication is temporarily unavailable")
		return
	}
	identity, err := s.srv.sasl.Authorize(id, func(u string) bool { return s.srv.admins[u] })
	if err != nil {
		s.err("[AUTH] %s may not act as %s", id.User, printable(id.Authz))
		return
	}
	s.login(identity)
}

// failed answers a wrong password or proof, slowly, and past
// maxlogintrys ends the connection.
func (s *session) failed(user string, why error) {
	s.failures++
	s.log.Info("login failed", "user", user, "why", why)
	time.Sleep(s.srv.cfg.FailureDelay)
	s.err("[AUTH] Invalid login")
	if m := s.srv.cfg.MaxLoginTries; m > 0 && s.failures >= m {
		s.log.Warn("too many login failures; disconnecting", "failures", s.failures)
		s.done = true
	}
}

// login enters TRANSACTION as identity, the authorized user: the
// popminpoll check, the maildrop lock and its snapshot (RFC 1939 §8).
func (s *session) login(identity string) {
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
