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
// with lmtp_over_quota_perm_failure. The size is not known yet, so the
// check is whether the mailbox is full (lmtp_strict_quota's stricter
// check, whether the message fits, is the quota stage's). A store that
// cannot answer does not refuse: the quota stage asks again.
func (s *Server) checkQuota(r pipeline.Recipient) error {
	if r.Mailbox == "" {
		return nil
	}
	err := s.cfg.Store.CheckQuota(r.Mailbox, 0, 1, false)
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
