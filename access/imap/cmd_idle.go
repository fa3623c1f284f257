package imap

import (
	"errors"
	"os"
	"strings"
	"time"
)

// IDLE (RFC 2177, RFC 9051 §6.3.13). The session waits on three things:
// the client's DONE, read by a goroutine that lives only while idling; the
// notify hub's wake-up for the selected mailbox, never a poll timer; and
// the keepalive tick, so that NAT boxes and clients see a live connection.

type idleLine struct {
	line []byte
	err  error
}

func runIdle(s *session, c *command, _ struct{}) {
	s.writef("+ idling")
	s.flushOrDie()
	s.srv.idling.Add(1)
	defer s.srv.idling.Add(-1)
	lines := make(chan idleLine, 1)
	go func() {
		line, _, err := s.in.readLine(nil)
		lines <- idleLine{line, err}
	}()
	keepalive := time.NewTicker(s.srv.cfg.IdleKeepalive)
	defer keepalive.Stop()
	var wake <-chan struct{}
	notifyWake, listWake := s.notifyChans()
	if s.sel != nil {
		// RFC 5465 §4: under NOTIFY, IDLE sends what NOTIFY asked for,
		// so nothing of the selected mailbox unless it asked.
		if s.sel.watch != nil && (s.notify == nil || s.notify.selected != nil) {
			wake = s.sel.watch.C()
		}
		// Whatever changed between the last command and now.
		s.sel.sync(s, true)
		s.flushOrDie()
	}
	for {
		select {
		case l := <-lines:
			switch {
			case l.err == nil && strings.EqualFold(string(l.line), "DONE"):
				return
			case l.err == nil:
				xbad("IDLE: expected DONE")
			case errors.Is(l.err, os.ErrDeadlineExceeded) && s.srv.closing.Load():
				xbye("Server shutting down")
			case errors.Is(l.err, os.ErrDeadlineExceeded):
				xbye("Autologout; idle for too long")
			case errors.Is(l.err, errLineTooLong):
				xbad("IDLE: expected DONE")
			default:
				panic(connError{l.err})
			}
		case <-wake:
			if s.notify != nil {
				s.syncSelected(true) // with NOTIFY's MessageNew fetch attributes
			} else {
				s.sel.syncWoken(s)
			}
			s.flushOrDie()
		case <-notifyWake:
			s.pushOthers()
			s.flushOrDie()
		case <-listWake:
			s.notifyListChanges()
			s.pushOthers()
			s.flushOrDie()
		case <-keepalive.C:
			s.writef("* OK Still here")
			s.flushOrDie()
		case <-s.srv.done:
			xbye("Server shutting down")
		}
	}
}

func (s *session) flushOrDie() {
	if err := s.out.flush(); err != nil {
		panic(connError{err})
	}
}
