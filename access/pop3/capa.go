package pop3

import "strings"

// cmdCapa lists the capabilities (RFC 2449 §5) this session has now:
// what only AUTHORIZATION offers (USER, SASL, STLS) goes after a login.
func (s *session) cmdCapa([]string) {
	cfg := s.srv.cfg
	s.ok("Capability list follows")
	s.line("TOP")
	s.line("UIDL")
	s.line("RESP-CODES")
	s.line("AUTH-RESP-CODE")
	s.line("PIPELINING")
	if s.state == stateAuthorization {
		if s.plaintextOK() {
			s.line("USER")
		}
		// RFC 5034 §5: the mechanisms AUTH takes on this connection.
		if names := s.srv.sasl.Offer(s.saslConn()); len(names) > 0 {
			s.line("SASL " + strings.Join(names, " "))
		}
		if cfg.TLSConfig != nil && !s.secure {
			s.line("STLS")
		}
	}
	// RFC 2449 §6.7, §6.5: popexpiretime and popminpoll, as Cyrus
	// advertises them.
	if cfg.ExpireDays < 0 {
		s.line("EXPIRE NEVER")
	} else {
		s.line("EXPIRE " + itoa(cfg.ExpireDays))
	}
	if cfg.MinPoll > 0 {
		s.line("LOGIN-DELAY " + itoa(int(cfg.MinPoll.Seconds())))
	}
	s.line("IMPLEMENTATION chapar")
	s.line(".")
}
