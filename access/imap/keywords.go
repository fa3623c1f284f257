package imap

// RFC 3501 §7.2.6 (RFC 9051 §7.3.5): the FLAGS response lists the flags a
// mailbox uses, and a client may drop from a FETCH any flag it was not
// told of. So a keyword new to the mailbox, whoever set it, is announced
// in FLAGS, with the PERMANENTFLAGS that now include it (§7.1), before the
// first FETCH that shows it.

// announceKeywords sends FLAGS and PERMANENTFLAGS when flags hold a
// keyword the session has not announced; every path that writes a FETCH
// FLAGS calls it first.
func (s *session) announceKeywords(v *mailboxView, flags []string) {
	if v.noteKeywords(flags) {
		v.newKeywords = false
		s.writeFlagsResponse(v)
	}
}
