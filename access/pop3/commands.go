package pop3

import (
	"bufio"
	"errors"
	"fmt"

	"chapar/store"
)

// The TRANSACTION state's commands (RFC 1939 §5) and QUIT's UPDATE (§6).

// message resolves a message-number argument, answering -ERR itself
// when it names no message or a deleted one (RFC 1939 §5).
func (s *session) message(arg string) (int, bool) {
	n, ok := parseNumber(arg)
	if !ok || n < 1 || n > len(s.drop.msgs) {
		s.err("No such message")
		return 0, false
	}
	if s.drop.deleted[n-1] {
		s.err("Message %d is deleted", n)
		return 0, false
	}
	return n - 1, true
}

func (s *session) cmdStat([]string) {
	n, size := s.drop.stat()
	s.ok("%d %d", n, size)
}

func (s *session) cmdList(args []string) {
	if len(args) == 1 {
		if i, ok := s.message(args[0]); ok {
			s.ok("%d %d", i+1, s.drop.msgs[i].Size)
		}
		return
	}
	n, size := s.drop.stat()
	s.ok("%d message%s (%d octets)", n, plural(n), size)
	for i, m := range s.drop.msgs {
		if !s.drop.deleted[i] {
			s.line(fmt.Sprintf("%d %d", i+1, m.Size))
		}
	}
	s.line(".")
}

// cmdUidl lists unique-ids (RFC 1939 §7).
func (s *session) cmdUidl(args []string) {
	if len(args) == 1 {
		if i, ok := s.message(args[0]); ok {
			s.ok("%d %s", i+1, s.drop.uidl(&s.drop.msgs[i]))
		}
		return
	}
	s.ok("Unique-ID listing follows")
	for i := range s.drop.msgs {
		if !s.drop.deleted[i] {
			s.line(fmt.Sprintf("%d %s", i+1, s.drop.uidl(&s.drop.msgs[i])))
		}
	}
	s.line(".")
}

func (s *session) cmdRetr(args []string) {
	if i, ok := s.message(args[0]); ok {
		s.send(i, -1)
	}
}

// cmdTop sends the header and the first lines of the body (RFC 1939 §7).
func (s *session) cmdTop(args []string) {
	i, ok := s.message(args[0])
	if !ok {
		return
	}
	lines, ok := parseNumber(args[1])
	if !ok {
		s.err("The line count must be a number of zero or more")
		return
	}
	s.send(i, lines)
}

// send writes message i dot-stuffed, its whole body (bodyLines < 0) or
// that many lines of it. The record is read again, so that a message
// another session removed is answered as gone, not read from space the
// store may have reused.
func (s *session) send(i, bodyLines int) {
	n := i + 1
	m, err := s.srv.cfg.Store.GetMessage(s.drop.mb, s.drop.msgs[i].UID)
	if errors.Is(err, store.ErrNoMessage) {
		s.err("Message %d was removed by another session", n)
		return
	}
	if err != nil {
		s.log.Warn("reading message", "n", n, "err", err)
		s.err("[SYS/TEMP] Unable to read message %d", n)
		return
	}
	body, err := s.srv.cfg.Store.OpenBody(s.drop.mb, m)
	if err != nil {
		s.log.Warn("opening message", "n", n, "err", err)
		s.err("[SYS/TEMP] Unable to read message %d", n)
		return
	}
	if bodyLines < 0 {
		s.ok("%d octets", m.Size)
	} else {
		s.ok("Top of message %d follows", n)
	}
	// One reader per session, reset for each message.
	if s.body == nil {
		s.body = bufio.NewReaderSize(body, bodyBuffer)
	} else {
		s.body.Reset(body)
	}
	if err := writeDotStuffed(s.w, s.body, bodyLines); err != nil {
		// The reply has begun: a client cannot tell a short message from
		// a cut one, so the connection ends without the final dot.
		s.log.Warn("sending message", "n", n, "err", err)
		s.done = true
		return
	}
	s.line(".")
}

func (s *session) cmdDele(args []string) {
	i, ok := s.message(args[0])
	if !ok {
		return
	}
	if !s.drop.mayDelete {
		// As Cyrus: removing takes the t and e rights (RFC 4314 §4).
		s.err("Permission denied: deleting needs the t and e rights on the maildrop")
		return
	}
	s.drop.deleted[i] = true
	s.ok("Message %d deleted", i+1)
}

func (s *session) cmdRset([]string) {
	clear(s.drop.deleted)
	n, size := s.drop.stat()
	s.ok("Maildrop has %d message%s (%d octets)", n, plural(n), size)
}

func (s *session) cmdNoop([]string) { s.ok("") }

// cmdQuit ends the session; after a login it is UPDATE (RFC 1939 §6):
// the messages DELE marked go in one expunge, with its change event,
// which IMAP sessions see as EXPUNGE.
func (s *session) cmdQuit([]string) {
	s.done = true
	if s.state != stateTransaction {
		s.ok("%s chapar POP3 server signing off", s.srv.cfg.ServerName)
		return
	}
	if uids := s.drop.deletedUIDs(); len(uids) > 0 {
		gone, err := s.actor.RemoveMessages(s.drop.mb, uids, "pop3d")
		if err != nil {
			s.log.Warn("removing deleted messages", "uids", len(uids), "err", err)
			s.err("[SYS/TEMP] Some deleted messages were not removed")
			return
		}
		s.log.Info("update", "removed", len(gone))
	}
	n, _ := s.drop.stat()
	s.ok("%s chapar POP3 server signing off (%d message%s left)", s.srv.cfg.ServerName, n, plural(n))
}
