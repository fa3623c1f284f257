package store

import (
	"fmt"
	"net"

	bolt "go.etcd.io/bbolt"
)

// NoMailboxID stands for the mailbox of an event that has none (a Login,
// a subscription to a name that does not exist), so that every event has
// a subject token.
const NoMailboxID = "-"

// Session is who logged in or out, for the Login and Logout events
// (RFC 5423 §4.5). Addresses are "ip;port", as Cyrus writes them.
type Session struct {
	User          string
	Service       string // "imapd", "pop3d", "sieve"
	ServerAddress string
	ClientAddress string
}

// RecordLogin writes a Login event for a session that has authenticated.
// Every service that authenticates users (IMAP, POP3, ManageSieve) calls
// it, and RecordLogout when that session ends. Both do nothing unless
// Options.SessionEvents is set (event_groups "access"): a commit per login
// is a cost only an operator who asked for these events should pay.
func (s *Store) RecordLogin(sess Session) error { return s.recordSession(Login, sess) }

// RecordLogout writes a Logout event for a session RecordLogin reported.
func (s *Store) RecordLogout(sess Session) error { return s.recordSession(Logout, sess) }

func (s *Store) recordSession(t EventType, sess Session) error {
	if !s.opts.SessionEvents || sess.User == "" {
		return nil
	}
	user := NormalizeUser(sess.User)
	ev := Event{Type: t, Service: sess.Service, User: user, MailboxID: NoMailboxID,
		ServerAddress: sess.ServerAddress, ClientAddress: sess.ClientAddress}
	// The subject names the user's INBOX when there is one, so that an
	// integrator following one user's mailbox hears of their sessions too.
	if mb, err := s.GetMailbox(UserInbox(user)); err == nil {
		ev.MailboxID = mb.UniqueID
	}
	// Batch: logins arriving together share one commit.
	err := s.meta.Batch(func(tx *bolt.Tx) error {
		e := ev
		return appendEvent(tx, &e)
	})
	if err != nil {
		return fmt.Errorf("%s event for %s: %w", t, user, err)
	}
	s.outbox.notify()
	return nil
}

// SessionAddr writes an address as Cyrus's events do, "ip;port" (its
// iplocalport form), for Session; a Unix socket or unknown address is "".
func SessionAddr(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return ""
	}
	return host + ";" + port
}
