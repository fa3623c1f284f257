package managesieve

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"chapar/access/sasl"
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
	s.recordLogout() // the session the Login reported ends here
	s.user = ""
	s.ok("", "Unauthenticate completed")
	return nil
}

// cmdAuthenticate runs a mechanism of access/sasl with the optional
// initial response (RFC 5804 §2.1); challenges and responses are strings,
// and SCRAM's server-final message rides in the OK as its SASL code.
func (s *session) cmdAuthenticate(args []token) error {
	if err := arity(args, 1, 2); err != nil {
		return err
	}
	if s.user != "" {
		return refuse("", "Already authenticated")
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	mech, err := s.srv.sasl.Start(name, s.saslConn())
	switch {
	case errors.Is(err, sasl.ErrNeedTLS):
		return refuse("ENCRYPT-NEEDED", "%s needs TLS on this connection; use STARTTLS", strings.ToUpper(name))
	case err != nil:
		return refuse("", "Mechanism %s is not supported", strings.ToUpper(name))
	}
	var initial []byte
	if len(args) == 2 {
		ir, err := str(args, 1)
		if err != nil {
			return err
		}
		if initial, err = decode64(ir); err != nil {
			return err
		}
	}
	var stepErr error
	extra, err := sasl.Run(mech, initial, true, func(challenge []byte) ([]byte, error) {
		resp, err := s.challenge(challenge)
		stepErr = err
		return resp, err
	})
	if stepErr != nil {
		// Cancelled, or the connection is gone: answered as it is.
		return stepErr
	}
	return s.loginDone(mech.Identity(), err, extra)
}

// challenge sends a server challenge and reads the client's answer: a
// string holding base64, or "*" to cancel.
func (s *session) challenge(data []byte) ([]byte, error) {
	s.line(quote(base64.StdEncoding.EncodeToString(data)))
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
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// saslConn describes the connection to access/sasl.
func (s *session) saslConn() sasl.Conn {
	return sasl.Conn{
		TLS:         sasl.TLSState(s.conn),
		ServerCert:  sasl.ServerCertificate(s.srv.cfg.TLSConfig),
		PlaintextOK: s.secure || s.srv.cfg.PlaintextOK(s.raw),
		HashedOK:    s.secure || s.srv.cfg.HashedOK(s.raw),
	}
}

// loginDone answers the end of an exchange: a refusal, or OK with the
// success data (RFC 5804 §2.1) as the session becomes the user's.
func (s *session) loginDone(id sasl.Identity, err error, extra []byte) error {
	switch {
	case errors.Is(err, sasl.ErrMalformed):
		s.log.Info("login failed", "user", id.User, "why", err)
		return refuse("", "Malformed SASL message")
	case errors.Is(err, sasl.ErrAuthFailed):
		s.failures++
		s.log.Info("login failed", "user", id.User, "why", err)
		time.Sleep(s.srv.cfg.FailureDelay)
		if m := s.srv.cfg.MaxLoginTries; m > 0 && s.failures >= m {
			s.no("", "Authentication failed")
			s.bye("", "Too many login failures")
			return nil
		}
		return refuse("", "Authentication failed")
	case err != nil:
		s.log.Warn("authentication backend", "user", id.User, "err", err)
		return refuse("TRYLATER", "Authentication is temporarily unavailable")
	}
	identity, err := s.srv.sasl.Authorize(id, func(u string) bool { return s.srv.admins[u] })
	if err != nil {
		return refuse("", "%s may not act as %s", id.User, id.Authz)
	}
	s.user = identity
	s.log = s.log.With("user", identity)
	s.log.Info("login")
	s.recordLogin()
	code := ""
	if extra != nil {
		code = "SASL " + quote(base64.StdEncoding.EncodeToString(extra))
	}
	s.ok(code, "Authenticated")
	return nil
}
