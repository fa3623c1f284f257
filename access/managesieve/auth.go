package managesieve

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"chapar/store"
)

func (s *session) cmdStartTLS(args []token) error {
	if err := arity(args, 0, 0); err != nil {
		return err
	}
	if s.secure {
		return refuse("", "TLS is already active")
	}
	if s.srv.cfg.TLSConfig == nil {
		return refuse("", "TLS is not available")
	}
	if s.user != "" {
		return refuse("", "STARTTLS after AUTHENTICATE is not allowed")
	}
	s.ok("", "Begin TLS negotiation now")
	if err := s.w.Flush(); err != nil {
		s.done = true
		return nil
	}
	tc := tls.Server(s.conn, s.srv.cfg.TLSConfig)
	tc.SetDeadline(time.Now().Add(time.Minute))
	if err := tc.Handshake(); err != nil {
		s.log.Info("TLS handshake failed", "err", err)
		s.done = true
		return nil
	}
	tc.SetDeadline(time.Time{})
	// Nothing read before the handshake may be taken as a command of the
	// protected session.
	s.conn, s.secure = tc, true
	s.w.Reset(tc)
	s.rd.r.Reset(tc)
	// RFC 5804 §2.2: after TLS the server says its capabilities again.
	s.writeCapabilities()
	s.ok("", "Capabilities")
	return nil
}

func (s *session) cmdUnauthenticate(args []token) error {
	if err := arity(args, 0, 0); err != nil {
		return err
	}
	s.log.Info("unauthenticate", "user", s.user)
	s.user = ""
	s.ok("", "Unauthenticate completed")
	return nil
}

// cmdAuthenticate runs SASL PLAIN (RFC 4616) or LOGIN with the optional
// initial response (RFC 5804 §2.1); challenges and responses are strings.
func (s *session) cmdAuthenticate(args []token) error {
	if err := arity(args, 1, 2); err != nil {
		return err
	}
	if s.user != "" {
		return refuse("", "Already authenticated")
	}
	mech, err := str(args, 0)
	if err != nil {
		return err
	}
	mech = strings.ToUpper(mech)
	if mech != "PLAIN" && mech != "LOGIN" {
		return refuse("", "Mechanism %s is not supported", mech)
	}
	if !s.secure && !s.srv.cfg.PlaintextOK(s.raw) {
		return refuse("ENCRYPT-NEEDED", "Plaintext passwords need TLS; use STARTTLS")
	}
	var initial []byte
	hasInitial := len(args) == 2
	if hasInitial {
		ir, err := str(args, 1)
		if err != nil {
			return err
		}
		if initial, err = decode64(ir); err != nil {
			return err
		}
	}
	var authz, user, pass string
	if mech == "PLAIN" {
		resp := initial
		if !hasInitial {
			if resp, err = s.challenge(""); err != nil {
				return err
			}
		}
		parts := bytes.Split(resp, []byte{0})
		if len(parts) != 3 || len(parts[1]) == 0 {
			return refuse("", "Malformed PLAIN response")
		}
		authz, user, pass = string(parts[0]), string(parts[1]), string(parts[2])
	} else {
		u := initial
		if !hasInitial {
			if u, err = s.challenge("Username:"); err != nil {
				return err
			}
		}
		p, err := s.challenge("Password:")
		if err != nil {
			return err
		}
		user, pass = string(u), string(p)
	}
	return s.login(user, pass, authz)
}

// challenge sends a server challenge and reads the client's answer: a
// string holding base64, or "*" to cancel.
func (s *session) challenge(text string) ([]byte, error) {
	s.line(quote(base64.StdEncoding.EncodeToString([]byte(text))))
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	toks, err := s.rd.readCommand()
	if err != nil {
		var syntax errBadSyntax
		if errors.As(err, &syntax) {
			return nil, refuse("", "Bad SASL response: %s", syntax.msg)
		}
		s.done = true
		return nil, refuse("", "Connection lost")
	}
	if len(toks) != 1 || toks[0].kind != tokString {
		return nil, refuse("", "Expected one string as the SASL response")
	}
	if toks[0].text == "*" {
		return nil, refuse("", "Authentication cancelled")
	}
	return decode64(toks[0].text)
}

func decode64(v string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, refuse("", "Invalid base64")
	}
	return b, nil
}

func (s *session) login(user, pass, authz string) error {
	// The user-name rule LOGIN and LMTP share (store.UserRule).
	user = s.srv.cfg.Users.Canonical(user)
	ok, err := s.srv.cfg.Authenticate(user, pass)
	if err != nil && !errors.Is(err, store.ErrNoUser) {
		s.log.Warn("authentication backend", "user", user, "err", err)
		return refuse("TRYLATER", "Authentication is temporarily unavailable")
	}
	if !ok {
		s.failures++
		s.log.Info("login failed", "user", user)
		time.Sleep(s.srv.cfg.FailureDelay)
		if m := s.srv.cfg.MaxLoginTries; m > 0 && s.failures >= m {
			s.no("", "Authentication failed")
			s.bye("", "Too many login failures")
			return nil
		}
		return refuse("", "Authentication failed")
	}
	identity := user
	if authz != "" && s.srv.cfg.Users.Canonical(authz) != identity {
		if !s.srv.admins[identity] {
			return refuse("", "%s may not act as %s", identity, authz)
		}
		identity = s.srv.cfg.Users.Canonical(authz)
	}
	s.user = identity
	s.log = s.log.With("user", identity)
	s.log.Info("login")
	s.recordLogin()
	s.ok("", "Authenticated")
	return nil
}
