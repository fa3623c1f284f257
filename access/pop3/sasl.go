package pop3

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"chapar/access/sasl"
)

// AUTH (RFC 5034) over access/sasl, the mechanisms IMAP and ManageSieve
// offer: what is listed and accepted is Config.SASL's (sasl_mech_list),
// on this connection (-PLUS only under TLS, password mechanisms only
// where the plaintext rule allows).

// Why an exchange ended on the client's side rather than the
// mechanism's.
var (
	errCancelled  = errors.New("authentication cancelled")
	errBadBase64  = errors.New("invalid base64")
	errTooLong    = errors.New("SASL response too long")
	errConnection = errors.New("connection lost")
)

// cmdAuth runs a mechanism (RFC 5034 §4): the initial response on the
// command line, then "+ base64" challenges. POP3 has no success data, so
// SCRAM's server-final message is one more challenge, answered empty
// (RFC 4422 §5). Without arguments AUTH lists the mechanisms, as Cyrus
// and the clients of RFC 1734's day expect.
func (s *session) cmdAuth(args []string) {
	conn := s.saslConn()
	if len(args) == 0 {
		s.ok("Mechanisms follow")
		for _, m := range s.srv.sasl.Offer(conn) {
			s.line(m)
		}
		s.line(".")
		return
	}
	name := strings.ToUpper(args[0])
	mech, err := s.srv.sasl.Start(name, conn)
	switch {
	case errors.Is(err, sasl.ErrNeedTLS):
		// RFC 3206 §4: [AUTH], the refusal is about this login.
		s.err("[AUTH] %s is refused on this connection before TLS; use STLS first", name)
		return
	case err != nil:
		s.err("Mechanism %s is not supported", printable(name))
		return
	}
	var initial []byte
	if len(args) == 2 {
		// RFC 5034 §4: "=" is an empty initial response.
		if initial = decode64(args[1]); initial == nil {
			s.err("Invalid base64 in the initial response")
			return
		}
	}
	_, err = sasl.Run(mech, initial, false, s.saslStep)
	switch {
	case errors.Is(err, errCancelled):
		s.err("Authentication cancelled")
	case errors.Is(err, errBadBase64):
		s.err("Invalid base64 in the SASL response")
	case errors.Is(err, errTooLong):
		s.err("SASL response too long")
	case errors.Is(err, errConnection):
		s.done = true
	default:
		s.authenticated(name, mech.Identity(), err)
	}
}

// saslStep sends a challenge (RFC 5034 §4: "+ " and its base64) and
// reads the client's answer, one line, "*" cancelling.
func (s *session) saslStep(challenge []byte) ([]byte, error) {
	s.line("+ " + base64.StdEncoding.EncodeToString(challenge))
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("%w: %w", errConnection, err)
	}
	line, err := s.readLine()
	switch {
	case errors.Is(err, errLineTooLong):
		return nil, errTooLong
	case err != nil:
		return nil, fmt.Errorf("%w: %w", errConnection, err)
	case line == "*":
		return nil, errCancelled
	}
	resp := decode64(line)
	if resp == nil {
		return nil, errBadBase64
	}
	return resp, nil
}

// saslConn describes the connection to access/sasl: its TLS state, for
// channel binding, and what the password rules allow on it.
func (s *session) saslConn() sasl.Conn {
	c := sasl.Conn{PlaintextOK: s.plaintextOK(), HashedOK: s.secure || s.srv.cfg.HashedOK(s.raw)}
	if s.secure {
		c.TLS = sasl.TLSState(s.conn)
		c.ServerCert = sasl.ServerCertificate(s.srv.cfg.TLSConfig)
	}
	return c
}

// decode64 is a base64 client response, "=" the empty one; nil when it
// is not base64.
func decode64(v string) []byte {
	if v == "=" {
		return []byte{}
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}
