package imap

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"chapar/notify"
	"chapar/store"
)

// mailboxView is a session's own picture of its selected mailbox: the
// messages it has announced, in sequence-number order, with the flags it
// last reported. It follows the store by asking what changed since the
// modseq it last saw (sync), so sequence numbers change only when this session says EXPUNGE
// or EXISTS, never behind the client's back (RFC 9051 §7.5.1).
type mailboxView struct {
	mb       *store.Mailbox
	readOnly bool
	// rights are the user's on mb when it was selected (rights.go).
	rights store.Rights
	watch  *notify.Watch // nil without a hub

	msgs    []viewMsg // index i is sequence number i+1
	sets    flagSets  // the flag lists msgs refer to
	modseq  uint64    // store's HIGHESTMODSEQ when msgs was last synced
	uidNext uint32

	// recent holds the UIDs that are \Recent to this session (recent.go);
	// recentStale: an EXPUNGE removed one of them, so the next update
	// restates RECENT.
	recent      recentSet
	recentStale bool
	exists      uint32 // last EXISTS sent
	recentSent  uint32 // last RECENT sent
	keywords    []string
	// newKeywords: a keyword came into use; FLAGS is due (RFC 9051 §7.3.5).
	newKeywords bool
	// changedUIDs holds the UIDs marked changed (their FETCH is due) and
	// goneUIDs those marked gone (their EXPUNGE is due), so that reporting
	// looks at them alone rather than at every message.
	changedUIDs []uint32
	goneUIDs    []uint32
	// heldBelow is a modseq below every expunge in goneUIDs (the view's
	// modseq before it learnt of them), 0 when none is held (qresync.go).
	heldBelow uint64

	// contexts are the updating SEARCH and SORT results (searchcontext.go);
	// touched, while there are any, the UIDs whose match may have changed.
	contexts []*searchContext
	touched  []uint32
	// arrivedFrom: messages from this UID on arrived since the contexts
	// were last updated, for UPDATE's FETCH (RFC 5465 §7).
	arrivedFrom uint32
}

type viewMsg struct {
	uid     uint32
	flagSet uint32 // its flags, numbered by the view's flagSets
	modseq  uint64
	gone    bool // expunged in the store; EXPUNGE not sent yet
	changed bool // flags changed; FETCH not sent yet
}

// flagsOf returns a message's flags. Callers must not change the list.
func (v *mailboxView) flagsOf(vm *viewMsg) []string { return v.sets.get(vm.flagSet) }

// fill makes m what the view knows of vm, as the store's record type, for
// the FETCH and SEARCH paths that the view answers alone; the loops reuse
// one record.
func (v *mailboxView) fill(vm *viewMsg, m *store.Message) {
	*m = store.Message{UID: vm.uid, ModSeq: vm.modseq, Flags: v.flagsOf(vm)}
}

// openView reads a mailbox for SELECT/EXAMINE. The watch starts before the
// read, so that no change falls between them.
func openView(s *session, mb *store.Mailbox, readOnly bool) *mailboxView {
	v := &mailboxView{mb: mb, readOnly: readOnly}
	if hub := s.srv.cfg.Hub; hub != nil {
		v.watch = hub.Watch(mb.UniqueID)
	}
	st, msgs, err := s.flagStates(mb)
	if err != nil {
		v.close()
		s.storeError("SELECT", err)
	}
	// Room to grow: the first new message would otherwise copy the whole
	// view (24 bytes a message: 2.4 MB at 100,000) inside the command that
	// brought it.
	n := len(msgs)
	v.msgs = make([]viewMsg, n, n+n/8+16)
	for i := range msgs {
		m := &msgs[i]
		v.msgs[i] = viewMsg{uid: m.UID, modseq: m.ModSeq, flagSet: v.sets.intern(m.Flags)}
		v.noteKeywords(m.Flags)
	}
	v.modseq, v.uidNext = st.HighestModSeq, st.UIDNext
	v.exists = uint32(len(v.msgs))
	v.claimRecent(s)
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

func (v *mailboxView) isRecent(uid uint32) bool { return v.recent.has(uid) }

// sync brings the view up to date with the store and sends the untagged
// updates the client may receive now: EXPUNGE only when allowed, then
// EXISTS, RECENT and FETCH FLAGS. It asks the store only for what changed
// after the modseq the view last saw, so its cost follows the changes, not
// the size of the mailbox; when nothing changed, the store reads no more
// than the mailbox's counters.
func (v *mailboxView) sync(s *session, allowExpunge bool) {
	v.drainWake()
	v.syncFrom(s, allowExpunge, func() (*store.Changes, error) { return s.store().ChangesSince(v.mb, v.modseq) })
}

// syncFrom is sync with the read of the changes given.
func (v *mailboxView) syncFrom(s *session, allowExpunge bool, read func() (*store.Changes, error)) {
	ch, err := read()
	if err != nil {
		if isNoMailbox(err) {
			// Deleted under us: there is no view left to keep in step
			// with, and no response that says so in the selected state.
			xbye("selected mailbox was deleted")
		}
		s.log.Warn("selected mailbox unreadable", "mailbox", v.mb.Name, "err", err)
		return
	}
	if ch.State.HighestModSeq != v.modseq {
		v.apply(ch)
		v.claimRecent(s)
	}
	v.report(s, allowExpunge)
}

// apply merges what changed in the store into the view: UIDs from the
// view's UIDNEXT on are new, known UIDs whose flags differ from what the
// client was told are due a FETCH, expunged UIDs are marked gone until
// EXPUNGE may be sent.
func (v *mailboxView) apply(ch *store.Changes) {
	var fresh []viewMsg
	for k := range ch.Changed {
		m := &ch.Changed[k]
		if m.UID >= v.uidNext {
			fresh = append(fresh, viewMsg{uid: m.UID, modseq: m.ModSeq, flagSet: v.sets.intern(m.Flags)})
			v.touch(m.UID)
			v.newKeywords = v.noteKeywords(m.Flags) || v.newKeywords
			continue
		}
		i, ok := v.index(m.UID)
		if !ok {
			// Below UIDNEXT and not in the view: expunged and already
			// announced, or never shown.
			continue
		}
		vm := &v.msgs[i]
		if vm.gone || m.ModSeq <= vm.modseq {
			// Already told (this session's own STORE or FETCH).
			continue
		}
		if !vm.changed && !slices.Equal(v.flagsOf(vm), m.Flags) {
			vm.changed = true
			v.changedUIDs = append(v.changedUIDs, m.UID)
		}
		vm.modseq, vm.flagSet = m.ModSeq, v.sets.intern(m.Flags)
		v.touch(m.UID)
		v.newKeywords = v.noteKeywords(m.Flags) || v.newKeywords
	}
	for _, uid := range ch.Expunged {
		if i, ok := v.index(uid); ok && !v.msgs[i].gone {
			v.msgs[i].gone, v.msgs[i].changed = true, false
			v.goneUIDs = append(v.goneUIDs, uid)
			v.touch(uid)
			if v.heldBelow == 0 {
				v.heldBelow = v.modseq
			}
		}
	}
	if len(fresh) > 0 {
		// Changes come in modseq order; a later flag change can put an
		// older new message after a younger one.
		slices.SortFunc(fresh, func(a, b viewMsg) int { return cmp.Compare(a.uid, b.uid) })
		v.msgs = append(v.msgs, fresh...)
	}
	v.modseq, v.uidNext = ch.State.HighestModSeq, ch.State.UIDNext
}

// report sends what changed since the client last heard.
func (v *mailboxView) report(s *session, allowExpunge bool) {
	defer v.reportHeld(s)
	if v.newKeywords {
		v.newKeywords = false
		s.writeFlagsResponse(v)
	}
	// RFC 5267 §4.3.4: REMOVEFROM before the EXPUNGE of what it removes.
	v.updateContexts(s, true)
	if allowExpunge {
		v.expungeGone(s)
	}
	grew := false
	if n := uint32(len(v.msgs)); n != v.exists {
		s.writeCount(n, "EXISTS")
		v.exists, grew = n, true
	}
	if !s.rev2 {
		// RFC 3501 §7.3.2: RECENT comes with every EXISTS, as Cyrus
		// sends it, and after an EXPUNGE took a recent message, so that
		// a client reads the count the same whether or not it lowers
		// it at EXPUNGE; an arrival and an expunge in one update then
		// still end with the right number.
		if r := v.recentCount(); grew || v.recentStale || r != v.recentSent {
			s.writeCount(r, "RECENT")
			v.recentSent = r
		}
		v.recentStale = false
	}
	if len(v.changedUIDs) > 0 {
		v.reportChanged(s)
	}
	// RFC 5267 §4.3.3, RFC 5465 §5.1-5.2: ADDTO after EXISTS, and after
	// the FETCH of a flag change.
	v.updateContexts(s, false)
}

// writeCount sends "* n EXISTS" and the like without fmt: a delivery to
// a mailbox a thousand sessions idle on has each of them send it.
func (s *session) writeCount(n uint32, what string) {
	// Built in the writer's own free space: a local array passed to
	// Write escapes to the heap, and a delivery that wakes a thousand
	// IDLE sessions made two thousand of them.
	w := s.out.w()
	line := append(appendUint(append(w.AvailableBuffer(), "* "...), n), ' ')
	line = append(append(line, what...), "\r\n"...)
	w.Write(line)
}

// reportChanged sends the FETCH FLAGS of the messages marked changed.
func (v *mailboxView) reportChanged(s *session) {
	slices.Sort(v.changedUIDs)
	for _, uid := range slices.Compact(v.changedUIDs) {
		i, ok := v.index(uid)
		if !ok || !v.msgs[i].changed {
			continue
		}
		m := &v.msgs[i]
		m.changed = false
		s.writeFlagsFetch(i+1, m, true)
	}
	v.changedUIDs = v.changedUIDs[:0]
}

// expungeGone sends EXPUNGE for the messages the store no longer has,
// highest sequence number first, so that each number is right when sent;
// or, once QRESYNC or UIDONLY is on, one VANISHED naming them all (RFC
// 7162 §3.2.10, RFC 9586 §3.2).
func (v *mailboxView) expungeGone(s *session) {
	if len(v.goneUIDs) == 0 {
		return
	}
	slices.Sort(v.goneUIDs)
	lowest := len(v.msgs)
	var vanished []uint32
	for k := len(v.goneUIDs) - 1; k >= 0; k-- {
		i, ok := v.index(v.goneUIDs[k])
		if !ok || !v.msgs[i].gone {
			continue
		}
		if s.vanishedOnly() {
			vanished = append(vanished, v.goneUIDs[k])
		} else {
			s.writef("* %d EXPUNGE", i+1)
		}
		lowest = i
		if v.recent.has(v.goneUIDs[k]) {
			v.recentStale = true
		}
	}
	s.writeVanished(vanished, false)
	n := len(v.msgs)
	if lowest < n {
		kept := slices.DeleteFunc(v.msgs[lowest:], func(m viewMsg) bool { return m.gone })
		v.msgs = v.msgs[:lowest+len(kept)]
	}
	v.exists -= uint32(n - len(v.msgs))
	v.goneUIDs, v.heldBelow = v.goneUIDs[:0], 0
}

// writeFlagsFetch sends "* n FETCH (UID u FLAGS (...))", with MODSEQ
// for a CONDSTORE-aware session (RFC 7162 §3.1).
func (s *session) writeFlagsFetch(seq int, m *viewMsg, withUID bool) {
	withUID = (withUID || s.condstore) && !s.uidonly
	b := s.appendFetchStart(make([]byte, 0, 64), seq, m.uid)
	if withUID {
		b = append(b, "UID "...)
		b = appendUint(b, m.uid)
		b = append(b, ' ')
	}
	b = append(b, "FLAGS "...)
	b = s.appendFlags(b, s.sel.flagsOf(m), m.uid)
	if s.condstore {
		b = append(b, ' ')
		b = appendModSeq(b, m.modseq)
	}
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
