package imap

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"chapar/internal/connorigin"
)

// session is one client connection. Its goroutine reads a command, runs
// it and answers, in order, so pipelined commands are answered in the order
// sent (RFC 9051 §5.5). Only IDLE adds a goroutine, for the time it idles.
type session struct {
	srv *Server
	// raw is the TCP connection, never reassigned, for the server's
	// goroutine to interrupt or close; conn may become a TLS connection
	// over it (STARTTLS).
	raw    net.Conn
	conn   net.Conn
	secure bool
	// origin decides, with secure, whether passwords may be sent
	// (plaintextOK); it never changes over a connection's life.
	origin connorigin.Origin
	in     *input
	p      *parser
	out    output
	log    *slog.Logger

	state connState
	user  string // normalized login name once authenticated
	admin bool
	ns    namespace
	// utf8 is set by ENABLE UTF8=ACCEPT (RFC 6855), rev2 by ENABLE
	// IMAP4rev2 (RFC 9051 §6.3.1); both make names travel as UTF-8.
	utf8 bool
	rev2 bool
	// condstore: a CONDSTORE enabling command was seen (RFC 7162 §3.1).
	condstore bool
	// qresync: ENABLE QRESYNC was seen (RFC 7162 §3.2.3); expunges are
	// then reported as VANISHED.
	qresync bool
	// uidonly: ENABLE UIDONLY was seen (RFC 9586); messages are named by
	// UID alone (uidonly.go).
	uidonly bool

	sel *mailboxView
	// notify is what NOTIFY SET asked for (RFC 5465), nil without it.
	notify *notifyState
	// saved is the SEARCHRES result "$" (RFC 5182), as UIDs.
	saved []uint32

	// loginFailures counts the failed logins of this connection, against
	// MaxLoginTries; byeAfter, once set, is the BYE that follows the
	// current command's tagged answer and ends the session.
	loginFailures int
	byeAfter      string
}

func newSession(srv *Server, c net.Conn, secure bool) *session {
	id := srv.nextID.Add(1)
	remote := "unknown"
	if a := c.RemoteAddr(); a != nil {
		remote = a.String()
	}
	s := &session{
		srv:    srv,
		raw:    c,
		conn:   c,
		secure: secure,
		origin: srv.originOf(c),
		state:  stateNotAuth,
		log:    srv.log.With("session", id, "remote", remote),
	}
	s.out.conn = c
	s.in = &input{r: bufio.NewReaderSize(c, 4<<10), maxLine: defaultMaxLine, cont: s.continueLiteral, skipped: &srv.skipped}
	s.p = newParser(s.in)
	s.p.appendMax = srv.cfg.MaxMessageSize
	s.p.maxCommand = max(srv.cfg.MaxCommandSize, 0)
	s.p.metadataMax = int64(srv.metadataLimits().MaxSize)
	return s
}

// interrupt makes a session blocked in a read notice the server closing.
func (s *session) interrupt() { s.raw.SetReadDeadline(time.Now()) }

func (s *session) continueLiteral() error {
	s.out.WriteString("+ Ready for literal data\r\n")
	return s.out.flush()
}

func (s *session) serve() {
	defer s.end()
	if tc, ok := s.conn.(interface{ Handshake() error }); ok && s.secure {
		s.conn.SetDeadline(time.Now().Add(time.Minute))
		if err := tc.Handshake(); err != nil {
			s.log.Debug("tls handshake", "err", err)
			return
		}
		s.conn.SetDeadline(time.Time{})
	}
	s.writef("* OK [CAPABILITY %s] %s IMAP server ready", strings.Join(s.capabilities(), " "), s.srv.cfg.ServerName)
	if s.out.flush() != nil {
		return
	}
	for s.command() {
	}
}

func (s *session) end() {
	s.stopNotify()
	s.unselect()
	if s.user != "" {
		s.srv.releaseUser(s.user)
	}
	s.recordLogout()
	s.out.flush()
	s.conn.Close()
}

// writef writes one response line.
func (s *session) writef(format string, args ...any) {
	w := s.out.w()
	if len(args) == 0 {
		w.WriteString(format)
	} else {
		fmt.Fprintf(w, format, args...)
	}
	w.WriteString("\r\n")
}

// bye says goodbye and reports that the session is over.
func (s *session) bye(text string) bool {
	s.writef("* BYE %s", text)
	s.out.flush()
	return false
}

// command reads and runs one command; false ends the session.
func (s *session) command() bool {
	timeout := s.srv.cfg.AutoLogout
	if s.state == stateNotAuth {
		timeout = s.srv.cfg.PreAuthTimeout
	}
	s.conn.SetReadDeadline(time.Now().Add(timeout))
	if s.srv.closing.Load() {
		return s.bye("Server shutting down")
	}
	if s.notify != nil && s.in.r.Buffered() == 0 {
		s.awaitCommand()
	}
	err := s.p.next()
	switch {
	case err == nil:
	case errors.Is(err, errLineTooLong):
		return s.answerError(tagOf(s.p.line), badError{"line too long"})
	case errors.Is(err, os.ErrDeadlineExceeded):
		if s.srv.closing.Load() {
			return s.bye("Server shutting down")
		}
		return s.bye("Autologout; idle for too long")
	default:
		s.corruptCompressionBye(err)
		return false
	}
	return s.execute()
}

// tagOf finds the tag of a line that could not be parsed.
func tagOf(line []byte) string {
	p := parser{line: line}
	defer func() { recover() }()
	return p.tag()
}

// execute runs the command whose first line has been read, turning the
// typed panics of errors.go into responses.
func (s *session) execute() (keep bool) {
	c := &command{}
	defer func() {
		x := recover()
		s.p.done()
		if x == nil {
			return
		}
		keep = s.recovered(c, x)
	}()
	c.tag = s.p.tag()
	s.p.sp()
	c.readName(s.p)
	h := commands[c.name]
	if h == nil {
		xbad("unknown command %s", c.name)
	}
	if h.states&s.state == 0 {
		stateError(s.state, c.name)
	}
	args := h.parse(s.p)
	s.requireUIDs(c, args)
	h.run(s, c, args)
	if s.state == stateLogout {
		s.finish(c)
		return false
	}
	if s.notify != nil {
		if changesList[c.name] {
			s.notifyOwnListChange()
		}
		s.pushOthers()
	}
	if s.sel != nil && h.flags&noSync == 0 {
		s.syncSelected(h.flags&holdExpunge == 0)
	}
	s.finish(c)
	return true
}

// finish writes the tagged OK, flushing unless more pipelined commands
// are waiting to be read.
func (s *session) finish(c *command) {
	if c.answered {
		return
	}
	text := c.text
	if text == "" {
		text = c.name + " completed"
	}
	if c.code != "" {
		s.writef("%s OK [%s] %s", c.tag, c.code, text)
	} else {
		s.writef("%s OK %s", c.tag, text)
	}
	if s.in.r.Buffered() == 0 || s.state == stateLogout {
		if err := s.out.flush(); err != nil {
			panic(connError{err})
		}
	}
}

// recovered answers a command that ended in a panic.
func (s *session) recovered(c *command, x any) bool {
	switch e := x.(type) {
	case connError:
		s.log.Debug("connection", "err", e.err)
		s.corruptCompressionBye(e.err)
		return false
	case byeError:
		return s.bye(e.msg)
	case badError:
		return s.answerError(c.tag, e)
	case noError:
		keep := s.answerError(c.tag, e)
		if s.byeAfter != "" {
			return s.bye(s.byeAfter)
		}
		return keep
	}
	s.log.Error("imap: command panicked", "command", c.name, "panic", x, "stack", string(debug.Stack()))
	return s.bye("Internal server error; please reconnect")
}

// answerError sends a tagged BAD or NO and skips what is left of the
// command.
func (s *session) answerError(tag string, err error) (keep bool) {
	defer func() {
		if x := recover(); x != nil {
			keep = false
		}
	}()
	if tag == "" {
		tag = "*"
	}
	switch e := err.(type) {
	case badError:
		s.writef("%s BAD %s", tag, oneLine(e.msg))
	case noError:
		if e.code != "" {
			s.writef("%s NO [%s] %s", tag, e.code, oneLine(e.msg))
		} else {
			s.writef("%s NO %s", tag, oneLine(e.msg))
		}
	}
	s.p.drain()
	if s.in.r.Buffered() == 0 {
		if s.out.flush() != nil {
			return false
		}
	}
	return true
}

// oneLine keeps response text on one line whatever an error message holds.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
