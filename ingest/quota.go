package ingest

import (
	"errors"

	"chapar/pipeline"
	"chapar/store"

	"github.com/emersion/go-smtp"
)

// checkQuota refuses at RCPT a recipient whose mailbox is full already,
// as Cyrus's lmtpd does, so that the MTA learns before it sends the
// message: 452 4.2.2 (RFC 3463 §3.3 X.2.2, mailbox full), or 552 5.2.2
// with lmtp_over_quota_perm_failure. With lmtp_strict_quota and a size
// announced by MAIL FROM's SIZE= (RFC 1870), a message of that size must
// fit, as Cyrus checks it; otherwise the mailbox must merely not be full,
// and the quota stage decides with the message in hand. A store that
// cannot answer does not refuse: the quota stage asks again.
func (s *Server) checkQuota(r pipeline.Recipient, size int64) error {
	if r.Mailbox == "" {
		return nil
	}
	strict := s.cfg.StrictQuota && size > 0
	err := s.cfg.Store.CheckQuota(r.Mailbox, size, 1, strict)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrOverQuota):
		if s.cfg.OverQuotaPermanent {
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox is full"}
		}
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox is full"}
	default:
		s.cfg.Log.Warn("quota check at RCPT failed; the quota stage checks again", "mailbox", r.Mailbox, "err", err)
		return nil
	}
}
