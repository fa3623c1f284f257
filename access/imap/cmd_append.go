package imap

import (
	"fmt"
	"io"
	"os"
	"time"

	"chapar/message"
	"chapar/store"
)

// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID
// (RFC 4315 §3), BINARY literal8 (RFC 3516 §4.4), UTF8 data (RFC 6855 §4)
// and APPENDLIMIT (RFC 7889).

// appendMsg is one message of an APPEND. At most one message of a command
// is held in memory; earlier ones of a MULTIAPPEND wait in an unlinked
// temporary file.
type appendMsg struct {
	flags []string
	date  time.Time
	data  []byte
	spool *os.File
	size  int64
	// cat: the parts of a CATENATE (cmd_catenate.go), put together into
	// data when the command runs.
	cat []catPart
}

type appendArgs struct {
	mailbox string
	msgs    []*appendMsg
}

const dateTimeLayout = "_2-Jan-2006 15:04:05 -0700"

func parseAppend(p *parser) appendArgs {
	p.tooBigNo = true
	var a appendArgs
	p.sp()
	a.mailbox = p.astring()
	for {
		p.sp()
		m := &appendMsg{}
		if p.peek() == '(' {
			m.flags = p.flagList()
			p.sp()
		}
		if p.peek() == '"' {
			s := p.quoted()
			t, err := time.Parse(dateTimeLayout, s)
			if err != nil {
				xbad("invalid date-time %q", s)
			}
			m.date = t
			p.sp()
		}
		if len(a.msgs) > 0 && a.msgs[len(a.msgs)-1].cat == nil {
			p.spill(a.msgs[len(a.msgs)-1])
		}
		if p.maybeWord("CATENATE") {
			p.parseCatenate(m, a.msgs)
			a.msgs = append(a.msgs, m)
			if p.atEnd() {
				return a
			}
			continue
		}
		utf8 := p.maybeWord("UTF8")
		if utf8 {
			p.sp()
			p.expect('(')
		}
		m.data = p.messageLiteral(a.msgs)
		m.size = int64(len(m.data))
		if utf8 {
			p.expect(')')
		}
		a.msgs = append(a.msgs, m)
		if p.atEnd() {
			return a
		}
	}
}

// messageLiteral reads a message's literal (or literal8), refusing one
// over APPENDLIMIT, or one that takes a MULTIAPPEND over its bound, before
// the client sends it when it waits for "+". before are the command's
// earlier messages.
func (p *parser) messageLiteral(before []*appendMsg) []byte {
	n, nonSync, _ := p.literalHeader(true)
	if p.appendMax > 0 && n > p.appendMax {
		p.refuseLiteral("TOOBIG", "message of %d bytes exceeds the limit of %d", n, p.appendMax)
	}
	if len(before) > 0 && p.multiAppendMax > 0 {
		total := n
		for _, m := range before {
			total += m.size
		}
		if total > p.multiAppendMax {
			p.refuseLiteral("LIMIT", "MULTIAPPEND of more than %d bytes", p.multiAppendMax)
		}
	}
	if n == 0 {
		p.refuseLiteral("", "empty message")
	}
	return p.readLiteral(n, nonSync)
}

// spill moves a parsed message out of memory into an unlinked temporary
// file, which the command's cleanup closes.
func (p *parser) spill(m *appendMsg) {
	f, err := os.CreateTemp("", "chapar-append-*")
	if err != nil {
		spoolFailed(err)
	}
	os.Remove(f.Name())
	p.cleanup = append(p.cleanup, func() { f.Close() })
	if _, err := f.Write(m.data); err != nil {
		spoolFailed(err)
	}
	m.spool, m.data = f, nil
}

// spoolFailed refuses an APPEND whose temporary file could not be written:
// [OVERQUOTA] when the temporary directory is full (RFC 5530 §3; the
// client may retry once space is freed), [SERVERBUG] otherwise.
func spoolFailed(err error) {
	if store.NoSpace(err) {
		xno("OVERQUOTA", "Not enough disk space")
	}
	xno("SERVERBUG", "cannot spool message: %v", err)
}

func (m *appendMsg) body() ([]byte, error) {
	if m.spool == nil {
		return m.data, nil
	}
	buf := make([]byte, m.size)
	_, err := io.ReadFull(io.NewSectionReader(m.spool, 0, m.size), buf)
	return buf, err
}

// runAppend stores the messages. A MULTIAPPEND goes to the store in one
// AppendAll, one transaction: all of its messages or none (RFC 3502 §3),
// and other sessions see them arrive together.
func runAppend(s *session, c *command, a appendArgs) {
	mb := s.targetMailbox(a.mailbox)
	s.catenate(a.msgs)
	s.checkAppendQuota(mb, a.msgs)
	msgs := make([]store.NewMessage, len(a.msgs))
	for i, m := range a.msgs {
		body, err := m.body()
		if err != nil {
			s.log.Error("APPEND: spooled message unreadable", "err", err)
			xno("SERVERBUG", "APPEND: message could not be spooled")
		}
		msgs[i] = store.NewMessage{Body: body, InternalDate: m.date, Flags: m.flags, MessageID: message.MessageID(body)}
		m.data = nil
	}
	done, err := s.act().Append(mb, msgs)
	if err != nil {
		s.storeError("APPEND", err)
	}
	uids := make([]uint32, len(done))
	for i, d := range done {
		uids[i] = d.UID
	}
	c.code = fmt.Sprintf("APPENDUID %d %s", done[0].UIDValidity, store.FormatUIDSet(uids))
}
