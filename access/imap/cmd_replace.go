package imap

import (
	"time"

	"chapar/message"
	"chapar/store"
)

// REPLACE and UID REPLACE (RFC 8508): save a new version of a message,
// typically a draft, into a mailbox and expunge the old one from the
// selected mailbox, as one operation (store.Replace). The new message's
// APPENDUID comes in an untagged OK, before the EXPUNGE (or VANISHED) of
// the old one (§3.3), which the session's update sends as the command ends.

type replaceArgs struct {
	target  uint32 // sequence number or UID; 0 is "*"
	mailbox string
	msg     *appendMsg
}

// parseReplace reads seq-number SP mailbox SP [flag-list SP] [date-time
// SP] (literal / literal8 / "UTF8" SP "(" literal8 ")") (RFC 8508 §5 with
// RFC 4466's append-message).
func parseReplace(p *parser) replaceArgs {
	p.tooBigNo = true
	var a replaceArgs
	p.sp()
	a.target = p.seqNumber()
	p.sp()
	a.mailbox = p.astring()
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
	m.data = p.messageLiteral(nil)
	m.size = int64(len(m.data))
	if utf8 {
		p.expect(')')
	}
	p.end()
	a.msg = m
	return a
}

func runReplace(s *session, c *command, a replaceArgs) {
	v := s.sel
	if v.readOnly {
		// The old message could not be expunged (RFC 8508 §3.3).
		xno("READ-ONLY", "mailbox is read-only")
	}
	uid := replacedUID(s, v, a.target, c.uid)
	dst := s.targetMailbox(a.mailbox)
	body := a.msg.data
	d, err := s.act().Replace(v.mb, uid, dst, store.NewMessage{Body: body, InternalDate: a.msg.date,
		Flags: a.msg.flags, MessageID: message.MessageID(body)})
	if err != nil {
		s.storeError(c.name, err)
	}
	s.writef("* OK [APPENDUID %d %d] Replacement Message ID", d.UIDValidity, d.UID)
}

// replacedUID finds the message REPLACE names: a sequence number past
// EXISTS is a client error (BAD, RFC 9051 §9 seq-number); a UID not in the
// mailbox, or a message expunged meanwhile, is NO.
func replacedUID(s *session, v *mailboxView, n uint32, byUID bool) uint32 {
	if len(v.msgs) == 0 {
		xno("", "no message to replace")
	}
	if n == 0 {
		n = uint32(len(v.msgs))
		if byUID {
			n = v.lastUID()
		}
	}
	var i int
	if byUID {
		var ok bool
		if i, ok = v.index(n); !ok {
			xno("", "no message with UID %d", n)
		}
	} else {
		if n > uint32(len(v.msgs)) {
			xbad("invalid sequence number %d: %d messages", n, len(v.msgs))
		}
		i = int(n - 1)
	}
	if v.msgs[i].gone {
		xno("EXPUNGEISSUED", "the message was expunged")
	}
	return v.msgs[i].uid
}
