package imap

import "chapar/store"

// The Login and Logout events (RFC 5423 §4.5) of a session: written by the
// store when event_groups has "access", nothing otherwise.

// sessionEvent describes the session for its Login or Logout event.
func (s *session) sessionEvent() store.Session {
	return store.Session{User: s.user, Service: "imapd",
		ServerAddress: store.SessionAddr(s.raw.LocalAddr()), ClientAddress: store.SessionAddr(s.raw.RemoteAddr())}
}

// recordLogin reports a login that succeeded. A failure to write the event
// is logged, never the login's: the session is no less authenticated.
func (s *session) recordLogin() {
	if err := s.store().RecordLogin(s.sessionEvent()); err != nil {
		s.log.Warn("login event", "err", err)
	}
}

// recordLogout reports the end of a session that logged in.
func (s *session) recordLogout() {
	if s.user == "" {
		return
	}
	if err := s.store().RecordLogout(s.sessionEvent()); err != nil {
		s.log.Warn("logout event", "err", err)
	}
}
