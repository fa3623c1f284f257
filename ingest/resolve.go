package ingest

import (
	"errors"
	"strings"

	"chapar/pipeline"
	"chapar/store"

	"github.com/emersion/go-smtp"
)

// resolve maps an RCPT TO address onto an account and its INBOX (or, for
// the postuser, a shared folder), refusing unknown ones with 550 5.1.1.
func (s *Server) resolve(to string) (pipeline.Recipient, error) {
	// A bare local part came qualified by qualifyingConn; it is a user of
	// the defaultdomain (or, without virtdomains, just the user), as
	// Cyrus's lmtpd takes it.
	to = strings.TrimSuffix(to, "@"+unqualifiedDomain)
	addr, err := ParseAddress(to)
	if err != nil {
		return pipeline.Recipient{}, &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax: " + err.Error()}
	}
	if s.cfg.DowncaseRcpt {
		addr.Local = strings.ToLower(addr.Local)
	}
	r := pipeline.Recipient{Address: to, Detail: addr.Detail}
	if s.cfg.PostUser != "" && addr.Local == s.cfg.PostUser && addr.Detail != "" {
		name, err := (store.Namer{UnixHierarchySep: true}).Internal(addr.Detail)
		if err == nil && store.Owner(name) == "" {
			if mb, err := s.cfg.Store.GetMailbox(name); err == nil {
				// A bulletin board takes mail only when it grants the post
				// right to anyone (Cyrus's postuser); else it answers as a
				// missing one, so that names don't leak.
				if !s.cfg.Store.MayPost(mb) {
					return r, unknownRecipient()
				}
				r.Mailbox, r.Detail = name, ""
				return r, nil
			}
		}
		return r, unknownRecipient()
	}
	r.User = s.account(addr)
	r.Mailbox = store.UserInbox(r.User)
	if _, err := s.cfg.Store.GetMailbox(r.Mailbox); err != nil {
		if errors.Is(err, store.ErrNoMailbox) {
			return r, unknownRecipient()
		}
		s.cfg.Log.Warn("recipient lookup failed", "rcpt", to, "err", err)
		return r, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure looking up the mailbox"}
	}
	return r, nil
}

// account applies the one user-name rule (store.UserRule): a bare local
// part or the defaultdomain is the unqualified user; another domain is a
// virtual domain's user under virtdomains, and ignored without.
func (s *Server) account(a Address) string {
	return s.cfg.Users.Join(a.Local, a.Domain)
}

func unknownRecipient() error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unknown"}
}
