package imap

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"chapar/store"
)

// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID
// (RFC 4315 §3), BINARY literal8 (RFC 3516 §4.4), UTF8 data (RFC 6855 §4)
// and APPENDLIMIT (RFC 7889).

func init() {
	register("APPEND", authStates, parseAppend, runAppend)
}

// appendMsg is one message of an APPEND. At most one message of a command
// is held in memory; earlier ones of a MULTIAPPEND wait in an unlinked
// temporary file.
type appendMsg struct {
	flags []string
	date  time.Time
	data  []byte
	spool *os.File
	size  int64
}

type appendArgs struct {
	mailbox string
	msgs    []*appendMsg
}

const dateTimeLayout = "_2-Jan-2006 15:04:05 -0700"

func parseAppend(p *parser) appendArgs {
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
		utf8 := p.maybeWord("UTF8")
		if utf8 {
			p.sp()
			p.expect('(')
		}
		if len(a.msgs) > 0 {
			p.spill(a.msgs[len(a.msgs)-1])
		}
		m.data = p.messageLiteral()
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
// over APPENDLIMIT before the client sends it when it waits for "+".
func (p *parser) messageLiteral() []byte {
	n, nonSync, _ := p.literalHeader(true)
	if p.appendMax > 0 && n > p.appendMax {
		p.refuseLiteral("TOOBIG", "message of %d bytes exceeds the limit of %d", n, p.appendMax)
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
		xno("SERVERBUG", "cannot spool message: %v", err)
	}
	os.Remove(f.Name())
	p.cleanup = append(p.cleanup, func() { f.Close() })
	if _, err := f.Write(m.data); err != nil {
		xno("SERVERBUG", "cannot spool message: %v", err)
	}
	m.spool, m.data = f, nil
}

func (m *appendMsg) body() ([]byte, error) {
	if m.spool == nil {
		return m.data, nil
	}
	buf := make([]byte, m.size)
	_, err := io.ReadFull(io.NewSectionReader(m.spool, 0, m.size), buf)
	return buf, err
}

func runAppend(s *session, c *command, a appendArgs) {
	mb := s.targetMailbox(a.mailbox)
	var uids []uint32
	var validity uint32
	for _, m := range a.msgs {
		body, err := m.body()
		if err == nil {
			var d store.Delivered
			d, err = s.store().Append(mb.Name, store.NewMessage{
				Body: body, InternalDate: m.date, Flags: m.flags, MessageID: messageID(body),
			})
			uids, validity = append(uids, d.UID), d.UIDValidity
		}
		if err != nil {
			// RFC 3502 §3: all or nothing.
			s.rollbackAppend(mb, uids)
			s.storeError("APPEND", err)
		}
		m.data = nil
	}
	c.code = fmt.Sprintf("APPENDUID %d %s", validity, store.FormatUIDSet(uids))
}

// rollbackAppend removes the messages of a MULTIAPPEND that failed half
// way. The store has no multi-message append, so this is two writes; the
// messages are visible to other sessions in between.
func (s *session) rollbackAppend(mb *store.Mailbox, uids []uint32) {
	if len(uids) == 0 {
		return
	}
	_, err := s.store().StoreFlags(mb, store.FlagChange{UIDs: uids, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}})
	if err == nil {
		_, err = s.store().Expunge(mb, uids)
	}
	if err != nil {
		s.log.Error("APPEND: rollback failed", "mailbox", mb.Name, "uids", uids, "err", err)
	}
}

// messageID reads the Message-ID for the store's event.
func messageID(body []byte) string {
	fields, _ := parseHeader(body, 0, len(body))
	for _, f := range fields {
		if strings.EqualFold(f.name, "Message-ID") {
			return f.value(body)
		}
	}
	return ""
}
