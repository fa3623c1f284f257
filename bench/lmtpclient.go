package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// lmtpConn is one LMTP session: LHLO once, then transactions in sequence.
//
// It speaks the protocol itself rather than through go-smtp's client, which
// waits for every reply before the next command: when the server offers
// PIPELINING (RFC 2920), MAIL, every RCPT and DATA go out in one write and
// their replies are read together, as Postfix's LMTP client does. A server
// that does not offer it is driven in lock step.
type lmtpConn struct {
	nc         net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	timeout    time.Duration
	pipelining bool
}

func dialLMTP(addr string, timeout time.Duration) (*lmtpConn, error) {
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	nc, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	l := &lmtpConn{nc: nc, br: bufio.NewReader(nc), bw: bufio.NewWriterSize(nc, 64<<10), timeout: timeout}
	l.deadline()
	if _, err := l.expect(2); err != nil {
		nc.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	lines, err := l.command("LHLO bench.localhost")
	if err == nil {
		err = replyError(lines, 2)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("LHLO: %w", err)
	}
	for _, line := range lines[1:] {
		if f := strings.Fields(line[min(4, len(line)):]); len(f) > 0 && strings.EqualFold(f[0], "PIPELINING") {
			l.pipelining = true
		}
	}
	return l, nil
}

func (l *lmtpConn) close() {
	l.deadline()
	l.command("QUIT")
	l.nc.Close()
}

// abort drops a connection that is no longer usable.
func (l *lmtpConn) abort() { l.nc.Close() }

func (l *lmtpConn) deadline() { l.nc.SetDeadline(time.Now().Add(l.timeout)) }

// command sends one line and reads its reply.
func (l *lmtpConn) command(line string) ([]string, error) {
	l.bw.WriteString(line + "\r\n")
	if err := l.bw.Flush(); err != nil {
		return nil, err
	}
	return l.reply()
}

// reply reads one reply, all its lines ("250-..." up to "250 ...").
func (l *lmtpConn) reply() ([]string, error) {
	var lines []string
	for {
		line, err := l.br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			return nil, fmt.Errorf("malformed reply %q", line)
		}
		if _, err := strconv.Atoi(line[:3]); err != nil {
			return nil, fmt.Errorf("malformed reply %q", line)
		}
		lines = append(lines, line)
		if len(line) == 3 || line[3] != '-' {
			return lines, nil
		}
	}
}

// expect reads a reply and turns anything but the class wanted (2 for
// 2xx, 3 for 3xx) into an error.
func (l *lmtpConn) expect(class int) ([]string, error) {
	lines, err := l.reply()
	if err != nil {
		return nil, err
	}
	return lines, replyError(lines, class)
}

// replyError is nil for a reply of the class wanted, else an
// *smtp.SMTPError carrying the code and every line's text, so that codeOf
// finds an enhanced status code on whichever line it is.
func replyError(lines []string, class int) error {
	code, _ := strconv.Atoi(lines[0][:3])
	if code/100 == class {
		return nil
	}
	text := make([]string, len(lines))
	for i, line := range lines {
		if len(line) > 4 {
			text[i] = line[4:]
		}
	}
	return &smtp.SMTPError{Code: code, Message: strings.Join(text, "\n")}
}

// deliver runs MAIL/RCPT/DATA for one message; after a failed transaction it
// sends RSET so the session can be reused.
func (l *lmtpConn) deliver(from string, rcpts []string, body []byte) (d delivery) {
	d.start = time.Now()
	l.deadline()
	fail := func(what string, err error) {
		d.failures = append(d.failures, failure{what + " " + codeOf(err), err})
		if codeOf(err) == "net" {
			d.fatal = err
		}
	}
	cmds := make([]string, 0, len(rcpts)+2)
	cmds = append(cmds, "MAIL FROM:<"+from+">")
	for _, r := range rcpts {
		cmds = append(cmds, "RCPT TO:<"+r+">")
	}
	cmds = append(cmds, "DATA")
	replies := make([][]string, 0, len(cmds))
	if l.pipelining {
		for _, c := range cmds {
			l.bw.WriteString(c + "\r\n")
		}
		if err := l.bw.Flush(); err != nil {
			fail("MAIL", err)
			return d
		}
		for range cmds {
			lines, err := l.reply()
			if err != nil {
				fail("MAIL", err)
				return d
			}
			replies = append(replies, lines)
		}
	} else {
		for i, c := range cmds {
			lines, err := l.command(c)
			if err != nil {
				fail("MAIL", err)
				return d
			}
			replies = append(replies, lines)
			// Without pipelining, stop at a refused MAIL, and send DATA
			// only if some recipient was taken.
			if i == 0 && replyError(lines, 2) != nil {
				break
			}
			if i == len(cmds)-2 && !anyAccepted(replies[1:]) {
				break
			}
		}
	}
	if err := replyError(replies[0], 2); err != nil {
		fail("MAIL", err)
		l.reset(&d)
		return d
	}
	var accepted []string
	for i, r := range rcpts {
		if i+1 >= len(replies) {
			break
		}
		if err := replyError(replies[i+1], 2); err != nil {
			fail("RCPT", fmt.Errorf("<%s>: %w", r, err))
			continue
		}
		accepted = append(accepted, r)
	}
	if len(replies) < len(cmds) {
		l.reset(&d) // DATA never sent
		return d
	}
	if err := replyError(replies[len(replies)-1], 3); err != nil {
		if len(accepted) > 0 { // with no recipient, DATA's refusal says nothing new
			fail("DATA", err)
		}
		l.reset(&d)
		return d
	}
	writeDotStuffed(l.bw, body)
	l.bw.WriteString(".\r\n")
	if err := l.bw.Flush(); err != nil {
		fail("DATA", err)
		return d
	}
	d.dotSent = time.Now()
	for _, r := range accepted {
		lines, err := l.reply()
		if err != nil {
			fail("DATA", err)
			return d
		}
		if err := replyError(lines, 2); err != nil {
			fail("DATA", fmt.Errorf("<%s>: %w", r, err))
			continue
		}
		d.okRcpts++
	}
	d.replied = time.Now()
	return d
}

func anyAccepted(rcptReplies [][]string) bool {
	for _, lines := range rcptReplies {
		if replyError(lines, 2) == nil {
			return true
		}
	}
	return false
}

// reset sends RSET after a failed transaction; a failure there makes the
// connection unusable.
func (l *lmtpConn) reset(d *delivery) {
	if d.fatal != nil {
		return
	}
	if _, err := l.command("RSET"); err != nil {
		d.fatal = err
	}
}

// writeDotStuffed writes a message body for DATA: a line starting with "."
// gets another in front (RFC 5321 §4.5.2), and the body ends with CRLF.
func writeDotStuffed(w *bufio.Writer, body []byte) {
	atLineStart := true
	for len(body) > 0 {
		if atLineStart && body[0] == '.' {
			w.WriteByte('.')
		}
		i := bytes.IndexByte(body, '\n')
		if i < 0 {
			w.Write(body)
			w.WriteString("\r\n")
			return
		}
		w.Write(body[:i+1])
		body = body[i+1:]
		atLineStart = true
	}
}
