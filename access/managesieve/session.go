package managesieve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// session is one client connection.
type session struct {
	srv    *Server
	conn   net.Conn // the current connection: TLS after STARTTLS
	raw    net.Conn // what was accepted, for the address and the plaintext rule
	rd     *reader
	w      *bufio.Writer
	secure bool
	// user is the authorized identity; empty before AUTHENTICATE.
	user     string
	failures int
	log      *slog.Logger
	// done ends the session after the current answer.
	done bool
}

// Input bounds: a command line (without literals), and how much of an
// oversized literal is read and dropped before the connection is ended.
const (
	maxLine = 64 << 10
	maxSkip = 64 << 20
)

func newSession(srv *Server, c net.Conn) *session {
	s := &session{srv: srv, conn: c, raw: c, w: bufio.NewWriter(c),
		log: srv.log.With("remote", c.RemoteAddr().String())}
	s.rd = &reader{r: bufio.NewReader(c), maxLine: maxLine, maxLiteral: s.maxLiteral(), maxSkip: maxSkip}
	return s
}

// maxLiteral is the largest string the session keeps: a whole script, or
// a SASL response.
func (s *session) maxLiteral() int64 {
	if m := s.srv.cfg.MaxScriptSize; m > 0 {
		return max(m, 64<<10)
	}
	return 16 << 20
}

func (s *session) serve() {
	defer s.conn.Close()
	defer s.recordLogout()
	s.writeCapabilities()
	s.ok("", "chapar ManageSieve ready")
	for !s.done {
		if err := s.w.Flush(); err != nil {
			return
		}
		s.conn.SetReadDeadline(time.Now().Add(s.srv.cfg.Timeout))
		toks, err := s.rd.readCommand()
		var syntax errBadSyntax
		switch {
		case errors.As(err, &syntax):
			s.no("", "Syntax error: "+syntax.msg)
			continue
		case errors.Is(err, errLineTooLong):
			s.bye("", "Line too long")
			s.w.Flush()
			return
		case err != nil:
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					s.bye("", "Idle for too long")
					s.w.Flush()
				}
			}
			return
		}
		if len(toks) == 0 {
			continue
		}
		s.dispatch(toks)
	}
	s.w.Flush()
}

// writeCapabilities sends the capability lines (RFC 5804 §1.7), without
// the OK that ends them.
func (s *session) writeCapabilities() {
	cfg := s.srv.cfg
	s.line(quote("IMPLEMENTATION") + " " + quote("chapar"))
	// sasl_mech_list, less what this connection may not use yet.
	mechs := s.srv.sasl.Offer(s.saslConn())
	s.line(quote("SASL") + " " + quote(strings.Join(mechs, " ")))
	s.line(quote("SIEVE") + " " + quote(strings.Join(cfg.Extensions, " ")))
	if cfg.TLSConfig != nil && !s.secure {
		s.line(quote("STARTTLS"))
	}
	if len(cfg.NotifyMethods) > 0 {
		s.line(quote("NOTIFY") + " " + quote(strings.Join(cfg.NotifyMethods, " ")))
	}
	if cfg.MaxScriptSize > 0 {
		s.line(quote("MAXSCRIPTSIZE") + " " + quote(strconv.FormatInt(cfg.MaxScriptSize, 10)))
	}
	if s.user != "" {
		s.line(quote("OWNER") + " " + quote(s.user))
	}
	s.line(quote("UNAUTHENTICATE"))
	s.line(quote("VERSION") + " " + quote("1.0"))
}

func (s *session) line(text string) {
	s.w.WriteString(text)
	s.w.WriteString("\r\n")
}

// ok, no and bye send a response (RFC 5804 §1.3): the word, an optional
// response code in parentheses, and a human-readable text. OK goes without
// its text: Cyrus's client library (sieveshell, cyradm) takes an OK only
// when its line ends there or after a response code, as Cyrus's server
// sends it, though the RFC allows a text.
func (s *session) ok(code, _ string)     { s.respond("OK", code, "") }
func (s *session) no(code, text string)  { s.respond("NO", code, text) }
func (s *session) bye(code, text string) { s.respond("BYE", code, text); s.done = true }

func (s *session) respond(word, code, text string) {
	s.w.WriteString(word)
	if code != "" {
		s.w.WriteString(" (" + code + ")")
	}
	if text != "" {
		s.w.WriteString(" " + quote(text))
	}
	s.w.WriteString("\r\n")
}

// quote renders a string as the protocol's quoted form, or as a literal
// when it holds what a quoted string cannot (CR, LF, NUL) or is long.
func quote(v string) string {
	if len(v) > 1024 || strings.ContainsAny(v, "\r\n\x00") {
		return "{" + strconv.Itoa(len(v)) + "}\r\n" + v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

// commandError is what a command answers instead of OK.
type commandError struct {
	code, text string
}

func (e *commandError) Error() string { return e.text }

func refuse(code, format string, args ...any) error {
	return &commandError{code: code, text: fmt.Sprintf(format, args...)}
}
