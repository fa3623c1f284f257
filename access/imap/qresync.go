package imap

import (
	"slices"

	"chapar/store"
)

// QRESYNC (RFC 7162 §3.2): a client enables it with ENABLE QRESYNC (which
// implies CONDSTORE) and from then on hears of expunges as VANISHED
// (§3.2.10) instead of EXPUNGE, may resynchronise a mailbox as it selects
// it (SELECT/EXAMINE ... (QRESYNC (...)), §3.2.5), and may ask UID FETCH
// for the UIDs expunged since a modseq (VANISHED modifier, §3.2.6). The
// store remembers every expunge with its modseq (store.ExpungedSince), so
// a resynchronisation reads only what changed since the client's modseq.

// enableQResync makes the session QRESYNC-aware, and so CONDSTORE-aware
// (RFC 7162 §3.2.3).
func (s *session) enableQResync() {
	s.qresync = true
	s.enableCondStore()
}

// qresyncParams is SELECT's QRESYNC parameter (RFC 7162 §3.2.5):
// "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
// [SP seq-match-data] ")".
type qresyncParams struct {
	uidValidity uint32
	modseq      uint64
	// known is known-uids, nil when absent (every UID).
	known *numSet
	// seqMatch: seq-match-data was given; it holds sequence numbers,
	// which UIDONLY refuses (RFC 9586 §3).
	seqMatch bool
}

// parseQResyncParams reads what follows the word QRESYNC. seq-match-data
// is read and checked but not used: it helps a server that forgot old
// expunges guess them (§3.2.5.2), and the store forgets none.
func parseQResyncParams(p *parser) *qresyncParams {
	q := &qresyncParams{}
	p.sp()
	p.expect('(')
	q.uidValidity = p.nzNumber()
	p.sp()
	q.modseq = p.modSeqValue(true)
	if p.maybe(' ') && p.peek() != '(' {
		set := p.uidSetLiteral()
		q.known = &set
		if !p.maybe(' ') {
			p.expect(')')
			return q
		}
	}
	if p.peek() == '(' {
		q.seqMatch = true
		p.expect('(')
		p.uidSetLiteral() // known-sequence-set
		p.sp()
		p.uidSetLiteral() // known-uid-set
		p.expect(')')
	}
	p.expect(')')
	return q
}

// uidSetLiteral reads a sequence-set written out, which "$" is not.
func (p *parser) uidSetLiteral() numSet {
	if p.peek() == '$' {
		xbad("$ is not allowed here")
	}
	return p.numSet()
}

// resync answers SELECT's QRESYNC parameter once the mailbox is open
// (RFC 7162 §3.2.5.1): nothing when the client's UIDVALIDITY is stale,
// else VANISHED (EARLIER) with the known UIDs expunged since its modseq,
// then a FETCH of UID, FLAGS and MODSEQ for each message changed since.
// One read of the store's changes since that modseq serves both; its
// cost follows what changed. What the read finds newer than the view (a
// change or expunge after SELECT read the mailbox) is left to the next
// update, so the two never disagree.
func (s *session) resync(v *mailboxView, q *qresyncParams) {
	if q.uidValidity != v.mb.UIDValidity || q.modseq >= v.modseq {
		return
	}
	ch, err := s.store().ChangesSince(v.mb, q.modseq)
	if err != nil {
		s.storeError("SELECT", err)
	}
	var vanished []uint32
	for _, uid := range ch.Expunged {
		if uid >= v.uidNext || (q.known != nil && !q.known.contains(uid, v.uidNext-1)) {
			continue
		}
		if _, present := v.index(uid); !present {
			vanished = append(vanished, uid)
		}
	}
	s.writeVanished(vanished, true)
	var changed []int
	for k := range ch.Changed {
		if i, ok := v.index(ch.Changed[k].UID); ok && v.msgs[i].modseq > q.modseq {
			changed = append(changed, i)
		}
	}
	slices.Sort(changed)
	for _, i := range slices.Compact(changed) {
		s.writeFlagsFetch(i+1, &v.msgs[i], true)
	}
}

// writeVanished sends "* VANISHED [(EARLIER) ]uid-set" (RFC 7162 §3.2.10),
// nothing for no UIDs.
func (s *session) writeVanished(uids []uint32, earlier bool) {
	if len(uids) == 0 {
		return
	}
	if earlier {
		s.writef("* VANISHED (EARLIER) %s", store.FormatUIDSet(uids))
	} else {
		s.writef("* VANISHED %s", store.FormatUIDSet(uids))
	}
}

// fetchVanished answers UID FETCH's VANISHED modifier (RFC 7162 §3.2.6):
// the UIDs of set expunged since changedSince, as VANISHED (EARLIER),
// before the FETCH responses. UIDs the view still holds (expunged by
// another session, not yet announced) are left to the VANISHED that
// announces them when the command ends.
func (s *session) fetchVanished(v *mailboxView, set numSet, changedSince uint64) {
	gone, err := s.store().ExpungedSince(v.mb, changedSince)
	if err != nil {
		s.storeError("UID FETCH", err)
	}
	star := max(v.uidNext-1, v.lastUID())
	var out []uint32
	for _, uid := range gone {
		in := set.contains(uid, star)
		if set.saved {
			in = slices.Contains(s.saved, uid)
		}
		if _, present := v.index(uid); in && !present {
			out = append(out, uid)
		}
	}
	s.writeVanished(out, true)
}

// reportHeld keeps a QRESYNC client from skipping an expunge it has not
// been told of: while VANISHED must wait (FETCH, STORE and SEARCH by
// sequence number hold it back), the MODSEQs the client saw may be above
// the expunge's, so HIGHESTMODSEQ is said again with a value below it,
// the one to resynchronise from should the connection drop now (RFC 7162
// §3.2, the example of §6).
func (v *mailboxView) reportHeld(s *session) {
	if s.qresync && v.heldBelow != 0 && len(v.goneUIDs) > 0 {
		s.writef("* OK [HIGHESTMODSEQ %d] Highest", v.heldBelow)
	}
}
