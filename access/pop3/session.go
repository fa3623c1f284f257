package pop3

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"chapar/store"
)

// state is where a session is in RFC 1939's order: AUTHORIZATION until a
// login, then TRANSACTION; UPDATE happens inside QUIT.
type state int

const (
	stateAuthorization state = iota
	stateTransaction
)

// session is one client connection.
type session struct {
	srv    *Server
	conn   net.Conn // the current connection: TLS after STLS
	raw    net.Conn // what was accepted, for the address and the plaintext rule
	r      *bufio.Reader
	w      *bufio.Writer
	secure bool
	state  state
	// userArg is USER's name, waiting for PASS.
	userArg  string
	failures int
	// user is the authorized identity, actor the store as it sees it,
	// drop its maildrop; set by a login.
	user  string
	actor store.Actor
	drop  *maildrop
	log   *slog.Logger
	// body reads the messages RETR and TOP send.
	body *bufio.Reader
	// done ends the session after the current reply.
	done bool
}

func newSession(srv *Server, c net.Conn, secure bool) *session {
	return &session{srv: srv, conn: c, raw: c, secure: secure,
		r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriter(c),
		log: srv.log.With("remote", c.RemoteAddr().String())}
}

func (s *session) serve() {
	defer s.end()
	// Under POP3S the TLS handshake happens with the greeting's write:
	// a client that never completes it must not hold the connection.
	s.conn.SetDeadline(time.Now().Add(time.Minute))
	// RFC 1939 §4: the greeting. No timestamp: APOP is not offered,
	// since it needs the password stored in the clear.
	s.ok("%s chapar POP3 server ready", s.srv.cfg.ServerName)
	if err := s.w.Flush(); err != nil {
		return
	}
	for !s.done {
		// The autologout timer (poptimeout) bounds the wait for a
		// command and the writing of the replies before it, so that a
		// client that stops reading a RETR does not hold the session.
		s.conn.SetDeadline(time.Now().Add(s.srv.cfg.Timeout))
		// RFC 2449 §6.6 PIPELINING: replies to commands already read go
		// out together, when the client has sent no more yet.
		if s.r.Buffered() == 0 {
			if err := s.w.Flush(); err != nil {
				return
			}
		}
		line, err := s.readLine()
		switch {
		case errors.Is(err, errLineTooLong):
			s.err("Line too long")
			continue
		case err != nil:
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// RFC 1939 §3: the autologout timer ends the session
				// without entering UPDATE.
				s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				s.err("Autologout; idle for too long")
				s.w.Flush()
			}
			return
		}
		s.conn.SetDeadline(time.Now().Add(s.srv.cfg.Timeout))
		cmd, err := parseCommand(line)
		if err != nil {
			s.err("Bad command: %s", err.Error())
			continue
		}
		s.dispatch(cmd)
	}
	s.w.Flush()
}

// end releases what the session holds. Deletions not applied by QUIT
// are dropped (RFC 1939 §6: no UPDATE without QUIT).
func (s *session) end() {
	// The maildrop is free before the client sees the connection close:
	// a client that logs in again once it has (fetchmail's next poll)
	// must not find it still held.
	if s.drop != nil {
		s.drop.release()
	}
	s.conn.Close()
	if s.user != "" {
		s.log.Info("logout")
		s.recordLogout()
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its CRLF (a bare LF is taken too). A
// line over maxLine is read to its end and dropped: errLineTooLong; one
// that goes on for 64 times that ends the connection.
func (s *session) readLine() (string, error) {
	var buf []byte
	skipped := 0
	for {
		frag, err := s.r.ReadSlice('\n')
		if len(buf)+len(frag) <= maxLine+2 && skipped == 0 {
			buf = append(buf, frag...)
		} else {
			skipped += len(buf) + len(frag)
			buf = buf[:0]
			if skipped > 64*maxLine {
				return "", io.ErrUnexpectedEOF
			}
		}
		switch {
		case err == nil && skipped > 0:
			return "", errLineTooLong
		case err == nil:
			n := len(buf) - 1
			if n > 0 && buf[n-1] == '\r' {
				n--
			}
			return string(buf[:n]), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return "", err
		}
	}
}

// ok and err write a single-line reply (RFC 1939 §3): "+OK" or "-ERR"
// and a text, which for -ERR may begin with a response code in brackets
// (RFC 2449 §8).
func (s *session) ok(format string, args ...any) { s.reply("+OK", format, args...) }
func (s *session) err(format string, args ...any) {
	s.reply("-ERR", format, args...)
}

func (s *session) reply(status, format string, args ...any) {
	s.w.WriteString(status)
	s.w.WriteByte(' ')
	if len(args) == 0 {
		s.w.WriteString(format)
	} else {
		fmt.Fprintf(s.w, format, args...)
	}
	s.w.WriteString("\r\n")
}

// line writes one line of a multi-line reply; the caller dot-stuffs.
func (s *session) line(text string) {
	s.w.WriteString(text)
	s.w.WriteString("\r\n")
}

// dispatch runs a command allowed in the session's state.
func (s *session) dispatch(cmd command) {
	h, ok := handlers[cmd.verb]
	switch {
	case !ok:
		s.err("Unknown command %s", cmd.verb)
	case h.states&(1<<s.state) == 0:
		if s.state == stateAuthorization {
			s.err("%s is not allowed before login", cmd.verb)
		} else {
			s.err("%s is not allowed after login", cmd.verb)
		}
	case len(cmd.args) < h.min || len(cmd.args) > h.max:
		s.err("Wrong number of arguments to %s", cmd.verb)
	default:
		h.run(s, cmd.args)
	}
}

// handler is one command: the states it is valid in (a bit per state),
// its argument counts, and what runs it.
type handler struct {
	states   int
	min, max int
	run      func(s *session, args []string)
}

const (
	inAuth  = 1 << stateAuthorization
	inTrans = 1 << stateTransaction
	inAny   = inAuth | inTrans
)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"CAPA": {inAny, 0, 0, (*session).cmdCapa},
		"QUIT": {inAny, 0, 0, (*session).cmdQuit},
		"NOOP": {inTrans, 0, 0, (*session).cmdNoop},
		"USER": {inAuth, 1, 1, (*session).cmdUser},
		"PASS": {inAuth, 1, 1, (*session).cmdPass},
		"APOP": {inAuth, 2, 2, (*session).cmdApop},
		"AUTH": {inAuth, 0, 2, (*session).cmdAuth},
		"STLS": {inAuth, 0, 0, (*session).cmdStls},
		"STAT": {inTrans, 0, 0, (*session).cmdStat},
		"LIST": {inTrans, 0, 1, (*session).cmdList},
		"UIDL": {inTrans, 0, 1, (*session).cmdUidl},
		"RETR": {inTrans, 1, 1, (*session).cmdRetr},
		"TOP":  {inTrans, 2, 2, (*session).cmdTop},
		"DELE": {inTrans, 1, 1, (*session).cmdDele},
		"RSET": {inTrans, 0, 0, (*session).cmdRset},
	}
}
