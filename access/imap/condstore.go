package imap

import (
	"slices"
	"strconv"
)

// CONDSTORE (RFC 7162 §3.1): every message has a modseq that grows with
// each change of its flags, and the mailbox has the highest one
// (HIGHESTMODSEQ); the store keeps both. A session becomes CONDSTORE-aware
// with any "CONDSTORE enabling command" (§3.1): ENABLE CONDSTORE,
// SELECT/EXAMINE (CONDSTORE), STATUS (HIGHESTMODSEQ), FETCH or SEARCH
// naming MODSEQ, FETCH (CHANGEDSINCE), STORE (UNCHANGEDSINCE). From then
// on, every FETCH response that carries flags carries UID and MODSEQ too.

// enableCondStore makes the session CONDSTORE-aware. When that happens with
// a mailbox selected, HIGHESTMODSEQ is reported, so that a client that
// ignored it on SELECT learns where it stands.
func (s *session) enableCondStore() {
	if s.condstore {
		return
	}
	s.condstore = true
	if s.sel != nil {
		s.writef("* OK [HIGHESTMODSEQ %d] Highest", s.sel.modseq)
	}
}

// modSeqValue reads mod-sequence-value (1 to 2^63-1) or, with zero,
// mod-sequence-valzer (RFC 7162 §7).
func (p *parser) modSeqValue(zero bool) uint64 {
	n := p.number64()
	if n == 0 && !zero {
		xbad("mod-sequence must not be zero")
	}
	return uint64(n)
}

// appendModSeq writes "MODSEQ (n)", the FETCH data item.
func appendModSeq(b []byte, modseq uint64) []byte {
	b = append(b, "MODSEQ ("...)
	b = strconv.AppendUint(b, modseq, 10)
	return append(b, ')')
}

// changedIn returns the view positions of the messages of a UID set whose
// modseq in the store is above modseq, ascending: UID FETCH 1:*
// (CHANGEDSINCE m), how a client resynchronises, then costs the changes
// since m rather than a pass over every message of the mailbox. The view's
// own modseq is never above the store's, so every message the FETCH would
// report is among these.
func (v *mailboxView) changedIn(s *session, set numSet, modseq uint64) []int {
	ch, err := s.store().ChangesSince(v.mb, modseq)
	if err != nil {
		s.storeError("FETCH", err)
	}
	star := v.lastUID()
	var idx []int
	for k := range ch.Changed {
		uid := ch.Changed[k].UID
		if i, ok := v.index(uid); ok && set.contains(uid, star) {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}
