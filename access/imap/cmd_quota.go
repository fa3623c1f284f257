package imap

import (
	"errors"
	"strconv"
	"strings"

	"chapar/store"
)

// QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT and SETQUOTA, with the STORAGE
// (KiB) and MESSAGE resources; the over-quota refusals of APPEND, COPY and
// MOVE (NO [OVERQUOTA], §5.1) and the quotawarn alert at SELECT (Cyrus).
// A quota root is named like the mailbox it is set on.

// quotaCapabilities are advertised once authenticated (RFC 9208 §3.1:
// QUOTASET because SETQUOTA exists, if only for administrators).
var quotaCapabilities = []string{"QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "QUOTASET"}

// runGetQuota answers "* QUOTA root (...)" for a root the user may see
// (RFC 9208 §4.1.1).
func runGetQuota(s *session, c *command, raw string) {
	name, ext := s.resolveName(raw)
	q, err := s.act().Quota(name)
	if errors.Is(err, store.ErrNoQuotaRoot) {
		xno("NONEXISTENT", "no quota root %s", ext)
	} else if err != nil {
		s.storeError("GETQUOTA", err)
	}
	s.writeQuota(q)
}

// runGetQuotaRoot names the root of a mailbox and gives its quota (RFC
// 9208 §4.1.2); a mailbox under no root gets a QUOTAROOT line alone.
func runGetQuotaRoot(s *session, c *command, raw string) {
	mb, ext, _ := s.lookupMailbox(raw, store.RightRead)
	b := []byte("* QUOTAROOT ")
	b = s.appendMailbox(b, ext)
	root, ok := s.store().QuotaRoot(mb.Name)
	var q store.Quota
	if ok {
		var err error
		if q, err = s.store().Quota(root); err != nil && !errors.Is(err, store.ErrNoQuotaRoot) {
			s.storeError("GETQUOTAROOT", err)
		}
		ok = err == nil
	}
	if ok {
		b = append(b, ' ')
		b = s.appendQuotaRoot(b, root)
	}
	s.writef("%s", b)
	if ok {
		s.writeQuota(q)
	}
}

type setQuotaArgs struct {
	root   string
	limits store.QuotaLimits
}

// parseSetQuota reads SETQUOTA root (resource limit ...) (RFC 9208
// §4.1.4). A resource not named has no limit; an empty list removes the
// root. An unknown resource, or one named twice, is BAD.
func parseSetQuota(p *parser) setQuotaArgs {
	a := setQuotaArgs{limits: store.QuotaLimits{StorageKiB: store.NoLimit, Messages: store.NoLimit}}
	p.sp()
	a.root = p.astring()
	p.sp()
	seen := map[string]bool{}
	p.list(true, func() {
		res := strings.ToUpper(p.atom())
		p.sp()
		limit := p.number64()
		if seen[res] {
			xbad("SETQUOTA: resource %s given twice", res)
		}
		seen[res] = true
		switch res {
		case "STORAGE":
			a.limits.StorageKiB = limit
		case "MESSAGE":
			a.limits.Messages = limit
		default:
			xbad("SETQUOTA: unsupported resource %s", res)
		}
	})
	p.end()
	return a
}

// runSetQuota sets a root's limits; only administrators may (RFC 9208
// §4.1.4 leaves who may to the server; Cyrus allows admins).
func runSetQuota(s *session, c *command, a setQuotaArgs) {
	name, _ := s.resolveName(a.root)
	if err := s.act().SetQuota(name, a.limits); err != nil {
		s.storeError("SETQUOTA", err)
	}
}

// writeQuota sends "* QUOTA root (STORAGE used limit MESSAGE used limit)"
// with the resources that have limits (RFC 9208 §5.1).
func (s *session) writeQuota(q store.Quota) {
	b := []byte("* QUOTA ")
	b = s.appendQuotaRoot(b, q.Root)
	b = append(b, " ("...)
	sep := ""
	if q.Limits.StorageKiB >= 0 {
		b = append(b, "STORAGE "...)
		b = strconv.AppendInt(b, q.Usage.StorageKiB(), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, q.Limits.StorageKiB, 10)
		sep = " "
	}
	if q.Limits.Messages >= 0 {
		b = append(b, sep...)
		b = append(b, "MESSAGE "...)
		b = strconv.AppendInt(b, q.Usage.Messages, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, q.Limits.Messages, 10)
	}
	b = append(b, ')')
	s.writef("%s", b)
}

// appendQuotaRoot writes a root as the session names its mailbox: the
// user's own root is INBOX, as Cyrus shows it.
func (s *session) appendQuotaRoot(b []byte, root string) []byte {
	ext, ok := s.ns.external(root)
	if !ok {
		ext = root
	}
	return s.appendMailbox(b, ext)
}

// checkAppendQuota refuses an APPEND that does not fit in the mailbox's
// quota root (RFC 9208 §5.1: NO [OVERQUOTA], nothing appended).
func (s *session) checkAppendQuota(mb *store.Mailbox, msgs []*appendMsg) {
	var size int64
	for _, m := range msgs {
		size += m.size
	}
	err := s.store().CheckQuota(mb.Name, size, int64(len(msgs)), true)
	if errors.Is(err, store.ErrOverQuota) {
		xno("OVERQUOTA", "Quota exceeded")
	} else if err != nil {
		s.storeError("APPEND", err)
	}
}

// quotaAlert warns at SELECT when the mailbox's quota root is over its
// limit or past quotawarn percent of it, as Cyrus's imapd does: an
// untagged NO with [ALERT] (RFC 9051 §7.1), which clients show the user.
func (s *session) quotaAlert(mb *store.Mailbox) {
	root, ok := s.store().QuotaRoot(mb.Name)
	if !ok {
		return
	}
	q, err := s.store().Quota(root)
	if err != nil {
		return // the root went meanwhile: nothing to warn about
	}
	for _, r := range []struct {
		name        string
		used, limit int64
	}{{"STORAGE", q.Usage.StorageBytes, q.Limits.StorageKiB * 1024}, {"MESSAGE", q.Usage.Messages, q.Limits.Messages}} {
		if r.limit <= 0 {
			continue
		}
		pct := r.used * 100 / r.limit
		switch {
		case r.used >= r.limit:
			s.writef("* NO [ALERT] Mailbox is over quota (%s)", r.name)
		case pct > int64(s.srv.cfg.QuotaWarn):
			s.writef("* NO [ALERT] Mailbox is at %d%% of quota (%s)", pct, r.name)
		}
	}
}
