package managesieve

import "chapar/store"

// The Login and Logout events (RFC 5423 §4.5) of a ManageSieve session,
// service "sieve" as Cyrus's timsieved names itself; the store writes
// them only when event_groups has "access".

func (s *session) sessionEvent() store.Session {
	return store.Session{User: s.user, Service: "sieve",
		ServerAddress: store.SessionAddr(s.raw.LocalAddr()), ClientAddress: store.SessionAddr(s.raw.RemoteAddr())}
}

// recordLogin reports a login that succeeded; a failure to write the event
// is logged, never the login's.
func (s *session) recordLogin() {
	if st := s.srv.cfg.Store; st != nil {
		if err := st.RecordLogin(s.sessionEvent()); err != nil {
			s.log.Warn("login event", "err", err)
		}
	}
}

// recordLogout reports the end of a session that logged in.
func (s *session) recordLogout() {
	if st := s.srv.cfg.Store; st != nil && s.user != "" {
		if err := st.RecordLogout(s.sessionEvent()); err != nil {
			s.log.Warn("logout event", "err", err)
		}
	}
}
