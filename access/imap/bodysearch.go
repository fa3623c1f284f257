package imap

import (
	"bytes"
	"io"
	"sync/atomic"

	"chapar/message"
)

// SEARCH BODY and TEXT (RFC 9051 §6.4.4) stream the message through
// message.ContainsText: one line buffer and a needle-long window per
// search, not the message and two decoded copies of it, so that thirty
// searches of a 50 MB message cost kilobytes, not gigabytes. The
// bodySearchGate bounds how many messages are being searched at once across
// the server; past it a search waits for a slot.

// DefaultMaxBodySearches is how many message bodies may be searched at
// once, server-wide, when Config.MaxBodySearches is 0: enough to keep two
// to eight cores busy, few enough that a burst of body searches over big
// mailboxes leaves the disk to the other sessions.
const DefaultMaxBodySearches = 8

// bodySearchGate is a counting semaphore; a nil gate or slots channel is
// no limit.
type bodySearchGate struct {
	slots chan struct{}
	// inUse and peak count the slots taken, now and at most, for tests.
	inUse, peak atomic.Int32
}

func newBodySearchGate(n int) *bodySearchGate {
	if n <= 0 {
		return &bodySearchGate{}
	}
	return &bodySearchGate{slots: make(chan struct{}, n)}
}

// enter waits for a slot, or until done is closed (the server stopping),
// and reports whether it got one.
func (g *bodySearchGate) enter(done <-chan struct{}) bool {
	if g == nil || g.slots == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		n := g.inUse.Add(1)
		for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
		}
		return true
	case <-done:
		return false
	}
}

func (g *bodySearchGate) leave() {
	if g != nil && g.slots != nil {
		g.inUse.Add(-1)
		<-g.slots
	}
}

// bodyContains: the message's text (its text parts decoded, message.WalkText)
// contains needle, case-folded. An empty needle matches every message.
func (sm *searchMsg) bodyContains(needle string) bool {
	if needle == "" {
		return true
	}
	if found, ok := sm.found[needle]; ok {
		return found
	}
	s := sm.s
	if !s.srv.bodySearches.enter(s.srv.done) {
		xbye("server shutting down")
	}
	defer s.srv.bodySearches.leave()
	var r io.Reader
	if sm.fm.raw != nil {
		r = bytes.NewReader(sm.fm.raw) // already read for another key
	} else {
		s.noteRead(readWhole)
		sr, err := s.store().OpenBody(s.sel.mb, sm.m)
		if err != nil {
			s.log.Error("SEARCH: body unreadable", "mailbox", s.sel.mb.Name, "uid", sm.m.UID, "err", err)
			xno("SERVERBUG", "message %d could not be read", sm.m.UID)
		}
		r = sr
	}
	found, err := message.ContainsText(r, needle)
	if err != nil {
		s.log.Error("SEARCH: body unreadable", "mailbox", s.sel.mb.Name, "uid", sm.m.UID, "err", err)
		xno("SERVERBUG", "message %d could not be read", sm.m.UID)
	}
	if sm.found == nil {
		sm.found = map[string]bool{}
	}
	sm.found[needle] = found
	return found
}
