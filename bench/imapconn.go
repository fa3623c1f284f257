package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// imapConn is the command mix's own IMAP client. It reads every response
// through to its tagged status, literals included, but builds nothing from
// them: it keeps only what the mix acts on (the message count, the
// capabilities, APPENDUID). go-imap's client, which the mix used before,
// spent more CPU parsing envelopes into values than the servers spent
// producing them, on the same two cores, so the mix measured the client.
// The idle scenario uses it too (idle.go); bigbox still uses go-imap's client.
type imapConn struct {
	nc      net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	timeout time.Duration
	seq     int
	exists  uint32
	caps    map[string]bool
	// appendUID is the UID of the last APPEND, from APPENDUID (RFC 4315),
	// or 0.
	appendUID uint32
	// zw and zr compress and inflate after COMPRESS (imapcompress.go).
	zw *flate.Writer
	zr io.ReadCloser
}

// imapStatusError is a tagged NO or BAD.
type imapStatusError struct {
	kind string // "NO" or "BAD"
	line string
}

func (e *imapStatusError) Error() string { return e.line }

// dialIMAPConn connects and logs in as user.
func dialIMAPConn(addr, user, pass string, timeout time.Duration) (*imapConn, error) {
	return dialIMAPConnSize(addr, user, pass, timeout, 64<<10)
}

// dialIMAPConnSize is dialIMAPConn with buffers of bufSize octets: the
// idle scenario holds 10,000 connections, which at 64 KiB each would cost
// the client more memory than the server.
func dialIMAPConnSize(addr, user, pass string, timeout time.Duration, bufSize int) (*imapConn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &imapConn{nc: nc, br: bufio.NewReaderSize(nc, bufSize), bw: bufio.NewWriterSize(nc, bufSize),
		timeout: timeout, caps: map[string]bool{}}
	nc.SetDeadline(time.Now().Add(timeout))
	greeting, err := c.readLine()
	if err == nil && !strings.HasPrefix(greeting, "* OK") {
		err = fmt.Errorf("greeting %q", greeting)
	}
	if err == nil {
		// Capabilities before login may lack UIDPLUS and the like: only
		// what LOGIN's response or a CAPABILITY after it says counts.
		_, err = c.command("LOGIN " + quoted(user) + " " + quoted(pass))
	}
	if err == nil && len(c.caps) == 0 {
		_, err = c.command("CAPABILITY")
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("LOGIN %s: %w", user, err)
	}
	return c, nil
}

func (c *imapConn) Close() error {
	err := c.nc.Close()
	c.releaseCompression()
	return err
}

// command sends one command and reads its responses through the tagged
// status line, which it returns; a NO or BAD is an *imapStatusError.
func (c *imapConn) command(cmd string) (string, error) {
	tag := c.send(cmd)
	return c.finish(tag)
}

// send writes a tagged command line and returns its tag.
func (c *imapConn) send(cmd string) string {
	c.seq++
	tag := "b" + strconv.Itoa(c.seq)
	c.nc.SetDeadline(time.Now().Add(c.timeout))
	c.bw.WriteString(tag)
	c.bw.WriteByte(' ')
	c.bw.WriteString(cmd)
	c.bw.WriteString("\r\n")
	return tag
}

// finish flushes what was sent and reads responses until tag's status.
func (c *imapConn) finish(tag string) (string, error) {
	if err := c.bw.Flush(); err != nil {
		return "", err
	}
	for {
		line, err := c.readResponse()
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(line, "* ") {
			c.noteUntagged(line)
			continue
		}
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			return line, c.status(rest, line)
		}
		// A continuation request nobody asked for, or another tag: not a
		// server this client can go on with.
		return "", fmt.Errorf("unexpected response %q", truncate(line))
	}
}

// appendMessage is APPEND INBOX with a synchronising literal, or a
// non-synchronising one when the server has LITERAL+ or LITERAL-.
func (c *imapConn) appendMessage(body []byte) error {
	c.appendUID = 0
	nonSync := c.caps["LITERAL+"] || (c.caps["LITERAL-"] && len(body) <= 4096)
	plus := ""
	if nonSync {
		plus = "+"
	}
	tag := c.send("APPEND INBOX {" + strconv.Itoa(len(body)) + plus + "}")
	if !nonSync {
		if err := c.bw.Flush(); err != nil {
			return err
		}
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+") {
			if rest, ok := strings.CutPrefix(line, tag+" "); ok {
				return c.status(rest, line)
			}
			return fmt.Errorf("APPEND: no continuation: %q", truncate(line))
		}
	}
	c.bw.Write(body)
	c.bw.WriteString("\r\n")
	line, err := c.finish(tag)
	if err != nil {
		return err
	}
	if i := strings.Index(line, "[APPENDUID "); i >= 0 {
		if f := strings.Fields(line[i+len("[APPENDUID "):]); len(f) >= 2 {
			if u, err := strconv.ParseUint(strings.TrimSuffix(f[1], "]"), 10, 32); err == nil {
				c.appendUID = uint32(u)
			}
		}
	}
	return nil
}

// status turns a tagged status (after the tag) into an error.
func (c *imapConn) status(rest, line string) error {
	kind, _, _ := strings.Cut(rest, " ")
	switch strings.ToUpper(kind) {
	case "OK":
		if i := strings.Index(strings.ToUpper(rest), "[CAPABILITY "); i >= 0 {
			c.noteCaps(rest[i+len("[CAPABILITY "):])
		}
		return nil
	case "NO", "BAD":
		return &imapStatusError{kind: strings.ToUpper(kind), line: truncate(line)}
	}
	return fmt.Errorf("bad status line %q", truncate(line))
}

// noteUntagged keeps what the mix needs of an untagged response. It looks
// at the first two words only and splits nothing: a FETCH 1:* answers with
// one line per message, and splitting each into fields took a third of the
// client's CPU in the mix (the load generator measuring itself).
func (c *imapConn) noteUntagged(line string) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(line, "* "), " ")
	if first == "" {
		return
	}
	if first[0] >= '0' && first[0] <= '9' {
		// "* n EXISTS", "* n EXPUNGE", "* n FETCH (...)"
		kind, _, _ := strings.Cut(rest, " ")
		switch {
		case strings.EqualFold(kind, "EXISTS"):
			if n, err := strconv.ParseUint(first, 10, 32); err == nil {
				c.exists = uint32(n)
			}
		case strings.EqualFold(kind, "EXPUNGE"):
			if c.exists > 0 {
				c.exists--
			}
		}
		return
	}
	switch {
	case strings.EqualFold(first, "CAPABILITY"):
		c.noteCaps(rest)
	case strings.EqualFold(first, "OK") && len(rest) > len("[CAPABILITY ") &&
		strings.EqualFold(rest[:len("[CAPABILITY ")], "[CAPABILITY "):
		c.noteCaps(rest[len("[CAPABILITY "):])
	}
}

func (c *imapConn) noteCaps(list string) {
	list, _, _ = strings.Cut(list, "]")
	clear(c.caps)
	for _, cp := range strings.Fields(list) {
		c.caps[strings.ToUpper(cp)] = true
	}
}

// readResponse reads one response: a line, and the literals it announces
// with the rest of the line after each. Literal data is read and dropped;
// the returned text has the literals left out.
func (c *imapConn) readResponse() (string, error) {
	line, err := c.readLine()
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "}") {
		return line, nil
	}
	var b strings.Builder
	for {
		n, ok := literalSize(line)
		if !ok {
			b.WriteString(line)
			return b.String(), nil
		}
		b.WriteString(line)
		if _, err := io.CopyN(io.Discard, c.br, n); err != nil {
			return "", fmt.Errorf("literal of %d octets: %w", n, err)
		}
		if line, err = c.readLine(); err != nil {
			return "", err
		}
	}
}

// literalSize reads the "{n}" (or "{n+}", RFC 7888) that ends line.
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(line[open+1:len(line)-1], "+"), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// maxIMAPLine bounds a response line (not its literals).
const maxIMAPLine = 8 << 20

// readLine reads a line without its CRLF.
func (c *imapConn) readLine() (string, error) {
	var long []byte
	for {
		chunk, err := c.br.ReadSlice('\n')
		if err == nil {
			if long != nil {
				chunk = append(long, chunk...)
			}
			return string(bytes.TrimRight(chunk, "\r\n")), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
		long = append(long, chunk...)
		if len(long) > maxIMAPLine {
			return "", fmt.Errorf("response line over %d octets", maxIMAPLine)
		}
	}
}

// quoted is an IMAP quoted string.
func quoted(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
