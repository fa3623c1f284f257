package imap

// EXPUNGE (RFC 9051 §6.4.3), UID EXPUNGE (RFC 4315 §2.1) and CHECK
// (RFC 3501 §6.4.1, kept for IMAP4rev1 clients: a NOOP here).

func parseUIDExpunge(p *parser) numSet {
	p.sp()
	set := p.numSet()
	p.end()
	return set
}

func runExpunge(s *session, c *command, _ struct{}) { expunge(s, nil) }

func runUIDExpunge(s *session, c *command, set numSet) { expunge(s, &set) }

// expunge removes \Deleted messages (of set, if given). The EXPUNGE
// responses are sent by the session's sync when the command ends, together
// with any other session's expunges.
func expunge(s *session, set *numSet) {
	v := s.sel
	if v.readOnly {
		xno("READ-ONLY", "mailbox is read-only")
	}
	var uids []uint32
	if set != nil {
		uids = v.uidsOf(v.selectSet(s, *set, true))
		if len(uids) == 0 {
			return
		}
	}
	if _, err := s.act().Expunge(v.mb, uids); err != nil {
		s.storeError("EXPUNGE", err)
	}
}
