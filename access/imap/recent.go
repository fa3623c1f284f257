package imap

import "sort"

// RFC 3501 §2.3.2: \Recent marks a message this session is the first to
// be told of. The store keeps one mark per mailbox (store.ClaimRecent);
// a read-write session claims the UIDs it has seen when it selects and
// whenever new messages reach its view, so no two sessions hold \Recent
// on one message. A read-only session (EXAMINE) takes nothing away: it
// shows \Recent on what nobody has claimed when it sees it. IMAP4rev2
// has no \Recent (RFC 9051 Appendix E), so such a session claims nothing
// and leaves the messages recent for IMAP4rev1 sessions.

// recentSet is the UIDs recent to a session, as half-open ranges in
// ascending order. Claims come in ascending order and adjacent ones
// merge; sessions taking turns on a busy mailbox still leave many ranges,
// so has is a binary search (FETCH 1:* FLAGS asks it of every message).
type recentSet struct {
	ranges [][2]uint32
	// upTo: UIDs below it have been asked for already.
	upTo uint32
}

func (r *recentSet) has(uid uint32) bool {
	// The first range ending above uid holds it, if any does.
	i := sort.Search(len(r.ranges), func(i int) bool { return r.ranges[i][1] > uid })
	return i < len(r.ranges) && uid >= r.ranges[i][0]
}

// add appends [from, to), which starts at or above every range held.
func (r *recentSet) add(from, to uint32) {
	if from >= to {
		return
	}
	if n := len(r.ranges); n > 0 && r.ranges[n-1][1] == from {
		r.ranges[n-1][1] = to
		return
	}
	r.ranges = append(r.ranges, [2]uint32{from, to})
}

// claimRecent takes \Recent on the messages that reached the view since
// the last claim (everything below the view's UIDNEXT).
func (v *mailboxView) claimRecent(s *session) {
	upTo := v.uidNext
	if upTo <= v.recent.upTo || s.rev2 {
		return
	}
	var from, to uint32
	if v.readOnly {
		mark, err := s.store().RecentUID(v.mb)
		if err != nil {
			s.log.Warn("recent mark unreadable", "mailbox", v.mb.Name, "err", err)
			return
		}
		from, to = mark, upTo
	} else {
		var err error
		from, to, err = s.act().ClaimRecent(v.mb, upTo)
		if err != nil {
			s.log.Warn("claim recent", "mailbox", v.mb.Name, "err", err)
			return
		}
	}
	v.recent.add(max(from, v.recent.upTo), to)
	v.recent.upTo = upTo
}

// recentCount counts the messages of the view that are \Recent to the
// session, those expunged but not yet announced included: the client
// still counts them among EXISTS.
func (v *mailboxView) recentCount() uint32 {
	var n int
	for _, r := range v.recent.ranges {
		lo, _ := v.index(r[0])
		hi, _ := v.index(r[1])
		n += hi - lo
	}
	return uint32(n)
}
