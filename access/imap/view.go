package imap

import (
	"slices"
	"sort"
	"strings"

	"chapar/notify"
	"chapar/store"
)

// mailboxView is a session's own picture of its selected mailbox: the
// messages it has announced, in sequence-number order, with the flags it
// last reported. It follows the store by re-reading the index and diffing
// (sync), so sequence numbers change only when this session says EXPUNGE
// or EXISTS, never behind the client's back (RFC 9051 §7.5.1).
type mailboxView struct {
	mb       *store.Mailbox
	readOnly bool
	watch    *notify.Watch // nil without a hub

	msgs    []viewMsg // index i is sequence number i+1
	modseq  uint64    // store's HIGHESTMODSEQ when msgs was last synced
	uidNext uint32

	// recentFrom: messages with a UID from here on arrived while this
	// session had the mailbox selected, so they are \Recent to it
	// (RFC 3501 §2.3.2, best effort: per session, not per mailbox).
	recentFrom uint32
	exists     uint32 // last EXISTS sent
	recent     uint32 // last RECENT sent
	keywords   []string
	// newKeywords: a keyword came into use; FLAGS is due (RFC 9051 §7.3.5).
	newKeywords bool
}

type viewMsg struct {
	uid     uint32
	modseq  uint64
	flags   []string
	gone    bool // expunged in the store; EXPUNGE not sent yet
	changed bool // flags changed; FETCH not sent yet
}

// openView reads a mailbox for SELECT/EXAMINE. The watch starts before the
// read, so that no change falls between them.
func openView(s *session, mb *store.Mailbox, readOnly bool) *mailboxView {
	v := &mailboxView{mb: mb, readOnly: readOnly}
	if hub := s.srv.cfg.Hub; hub != nil {
		v.watch = hub.Watch(mb.UniqueID)
	}
	snap, err := s.store().Snapshot(mb)
	if err != nil {
		v.close()
		s.storeError("SELECT", err)
	}
	v.msgs = make([]viewMsg, len(snap.Messages))
	for i := range snap.Messages {
		m := &snap.Messages[i]
		v.msgs[i] = viewMsg{uid: m.UID, modseq: m.ModSeq, flags: m.Flags}
		v.noteKeywords(m.Flags)
	}
	v.modseq, v.uidNext = snap.State.HighestModSeq, snap.State.UIDNext
	v.recentFrom = snap.State.UIDNext
	v.exists = uint32(len(v.msgs))
	return v
}

func (v *mailboxView) close() {
	if v.watch != nil {
		v.watch.Close()
		v.watch = nil
	}
}

// noteKeywords remembers keywords in use, for the FLAGS response; it
// reports whether one was new.
func (v *mailboxView) noteKeywords(flags []string) bool {
	added := false
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) || containsFold(v.keywords, f) {
			continue
		}
		v.keywords = append(v.keywords, f)
		added = true
	}
	return added
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// index returns the position of uid in the view.
func (v *mailboxView) index(uid uint32) (int, bool) {
	i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].uid >= uid })
	return i, i < len(v.msgs) && v.msgs[i].uid == uid
}

func (v *mailboxView) lastUID() uint32 {
	if len(v.msgs) == 0 {
		return 0
	}
	return v.msgs[len(v.msgs)-1].uid
}

func (v *mailboxView) isRecent(uid uint32) bool { return uid >= v.recentFrom }

// sync brings the view up to date with the store and sends the untagged
// updates the client may receive now: EXPUNGE only when allowed, then
// EXISTS, RECENT and FETCH FLAGS. A cheap counter read decides whether the
// index must be read at all.
func (v *mailboxView) sync(s *session, allowExpunge bool) {
	if v.watch != nil {
		select {
		case <-v.watch.C():
			v.watch.Take()
		default:
		}
	}
	st, err := s.store().Status(v.mb)
	if err != nil {
		if isNoMailbox(err) {
			// Deleted under us: there is no view left to keep in step
			// with, and no response that says so in the selected state.
			xbye("selected mailbox was deleted")
		}
		s.log.Warn("selected mailbox unreadable", "mailbox", v.mb.Name, "err", err)
		return
	}
	if st.HighestModSeq != v.modseq {
		if err := v.reload(s); err != nil {
			s.log.Warn("selected mailbox unreadable", "mailbox", v.mb.Name, "err", err)
			return
		}
	}
	v.report(s, allowExpunge)
}

// reload merges the store's index into the view: UIDs it no longer has are
// marked gone, new ones appended, changed modseqs mark flag changes.
func (v *mailboxView) reload(s *session) error {
	snap, err := s.store().Snapshot(v.mb)
	if err != nil {
		return err
	}
	in := snap.Messages
	out := make([]viewMsg, 0, max(len(v.msgs), len(in)))
	i, j := 0, 0
	last := v.lastUID()
	for i < len(v.msgs) || j < len(in) {
		switch {
		case j >= len(in) || (i < len(v.msgs) && v.msgs[i].uid < in[j].UID):
			m := v.msgs[i]
			m.gone, m.changed = true, false
			out = append(out, m)
			i++
		case i >= len(v.msgs) || in[j].UID < v.msgs[i].uid:
			// Only UIDs above all the view holds can be new; a lower one
			// the view lacks was expunged and so never shown.
			if in[j].UID > last {
				out = append(out, viewMsg{uid: in[j].UID, modseq: in[j].ModSeq, flags: in[j].Flags})
				v.newKeywords = v.noteKeywords(in[j].Flags) || v.newKeywords
			}
			j++
		default:
			m := v.msgs[i]
			if !m.gone && m.modseq != in[j].ModSeq {
				m.changed = m.changed || !slices.Equal(m.flags, in[j].Flags)
				m.modseq, m.flags = in[j].ModSeq, in[j].Flags
				v.newKeywords = v.noteKeywords(m.flags) || v.newKeywords
			}
			out = append(out, m)
			i++
			j++
		}
	}
	v.msgs = out
	v.modseq, v.uidNext = snap.State.HighestModSeq, snap.State.UIDNext
	return nil
}

// report sends what changed since the client last heard.
func (v *mailboxView) report(s *session, allowExpunge bool) {
	if v.newKeywords {
		v.newKeywords = false
		s.writeFlagsResponse(v)
	}
	if allowExpunge {
		v.expungeGone(s)
	}
	if n := uint32(len(v.msgs)); n != v.exists {
		s.writef("* %d EXISTS", n)
		v.exists = n
	}
	if !s.rev2 {
		if r := v.recentCount(); r != v.recent {
			s.writef("* %d RECENT", r)
			v.recent = r
		}
	}
	for i := range v.msgs {
		m := &v.msgs[i]
		if !m.changed {
			continue
		}
		m.changed = false
		s.writeFlagsFetch(i+1, m, true)
	}
}

// expungeGone sends EXPUNGE for the messages the store no longer has,
// highest sequence number first, so that each number is right when sent.
func (v *mailboxView) expungeGone(s *session) {
	n := 0
	for i := len(v.msgs) - 1; i >= 0; i-- {
		if v.msgs[i].gone {
			s.writef("* %d EXPUNGE", i+1)
			n++
		}
	}
	if n == 0 {
		return
	}
	v.msgs = slices.DeleteFunc(v.msgs, func(m viewMsg) bool { return m.gone })
	v.exists -= uint32(n)
	if !s.rev2 {
		v.recent = v.recentCount()
	}
}

func (v *mailboxView) recentCount() uint32 {
	var n uint32
	for i := len(v.msgs) - 1; i >= 0 && v.msgs[i].uid >= v.recentFrom; i-- {
		if !v.msgs[i].gone {
			n++
		}
	}
	return n
}

// writeFlagsFetch sends "* n FETCH (UID u FLAGS (...))".
func (s *session) writeFlagsFetch(seq int, m *viewMsg, withUID bool) {
	b := make([]byte, 0, 64)
	b = append(b, "* "...)
	b = appendUint(b, uint32(seq))
	b = append(b, " FETCH ("...)
	if withUID {
		b = append(b, "UID "...)
		b = appendUint(b, m.uid)
		b = append(b, ' ')
	}
	b = append(b, "FLAGS "...)
	b = s.appendFlags(b, m.flags, m.uid)
	b = append(b, ')')
	s.writef("%s", b)
}

// appendFlags writes a flag list, adding \Recent for IMAP4rev1 clients.
func (s *session) appendFlags(b []byte, flags []string, uid uint32) []byte {
	b = append(b, '(')
	for i, f := range flags {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, f...)
	}
	if !s.rev2 && s.sel != nil && s.sel.isRecent(uid) {
		if len(flags) > 0 {
			b = append(b, ' ')
		}
		b = append(b, `\Recent`...)
	}
	return append(b, ')')
}

// selectSet returns the view positions a sequence set names, ascending and
// without repeats. With uid false, numbers above EXISTS are a client error
// (RFC 9051 §9 seq-number); with uid true, absent UIDs are skipped.
func (v *mailboxView) selectSet(s *session, set numSet, uid bool) []int {
	var idx []int
	if set.saved {
		for _, u := range s.saved {
			if i, ok := v.index(u); ok {
				idx = append(idx, i)
			}
		}
		return idx
	}
	if !uid {
		n := uint32(len(v.msgs))
		if m := set.maxExplicit(); m > n {
			xbad("invalid sequence number %d: %d messages", m, n)
		}
		if n == 0 {
			return nil
		}
		for _, r := range set.ranges {
			lo, hi := r.bounds(n)
			for q := lo; q <= hi && q != 0; q++ {
				idx = append(idx, int(q-1))
				if q == hi {
					break
				}
			}
		}
	} else {
		star := v.lastUID()
		if star == 0 {
			return nil
		}
		for _, r := range set.ranges {
			lo, hi := r.bounds(star)
			for i, _ := v.index(lo); i < len(v.msgs) && v.msgs[i].uid <= hi; i++ {
				idx = append(idx, i)
			}
		}
	}
	if len(set.ranges) > 1 {
		slices.Sort(idx)
		idx = slices.Compact(idx)
	}
	return idx
}

// uidsOf maps positions to UIDs.
func (v *mailboxView) uidsOf(idx []int) []uint32 {
	uids := make([]uint32, len(idx))
	for k, i := range idx {
		uids[k] = v.msgs[i].uid
	}
	return uids
}
