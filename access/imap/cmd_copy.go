package imap

import (
	"fmt"

	"chapar/store"
)

// COPY, MOVE (RFC 6851) and their UID forms, answering COPYUID (RFC 4315
// §3).

type copyArgs struct {
	set     numSet
	mailbox string
}

func parseCopy(p *parser) copyArgs {
	var a copyArgs
	p.sp()
	a.set = p.numSet()
	p.sp()
	a.mailbox = p.astring()
	p.end()
	return a
}

// targetMailbox finds the destination of COPY, MOVE or APPEND, which takes
// the insert right (RFC 4314 §4). One that does not exist is NO
// [TRYCREATE] (RFC 9051 §6.4.7), so that the client may create it and try
// again; so is one the user cannot see, which must answer alike.
func (s *session) targetMailbox(raw string) *store.Mailbox {
	name, ext := s.resolveName(raw)
	mb, _, err := s.act().Mailbox(name, store.RightInsert)
	if err != nil {
		if isNoMailbox(err) {
			xno("TRYCREATE", "mailbox %s does not exist", ext)
		}
		s.storeError(ext, err)
	}
	return mb
}

// runCopy serves COPY and UID COPY, runMove MOVE and UID MOVE.
func runCopy(s *session, c *command, a copyArgs) { copyMessages(s, c, a, false) }
func runMove(s *session, c *command, a copyArgs) { copyMessages(s, c, a, true) }

func copyMessages(s *session, c *command, a copyArgs, move bool) {
	v, uid := s.sel, c.uid
	if move && v.readOnly {
		xno("READ-ONLY", "mailbox is read-only")
	}
	dst := s.targetMailbox(a.mailbox)
	idx := v.selectSet(s, a.set, uid)
	var uids []uint32
	for _, i := range idx {
		if !v.msgs[i].gone {
			uids = append(uids, v.msgs[i].uid)
		}
	}
	if len(uids) == 0 {
		if !uid && len(idx) > 0 {
			xno("EXPUNGEISSUED", "the messages were expunged")
		}
		return
	}
	op := s.act().Copy
	if move {
		op = s.act().Move
	}
	res, err := op(v.mb, uids, dst)
	if err != nil {
		s.storeError(c.name, err)
	}
	if len(res.SrcUIDs) == 0 {
		if !uid {
			xno("EXPUNGEISSUED", "the messages were expunged")
		}
		return
	}
	code := fmt.Sprintf("COPYUID %d %s %s", res.UIDValidity, store.FormatUIDSet(res.SrcUIDs), store.FormatUIDSet(res.DstUIDs))
	if move {
		// RFC 6851 §4.3: COPYUID comes before the EXPUNGEs, in an
		// untagged OK; the EXPUNGEs follow when the command ends.
		s.writef("* OK [%s] Moved", code)
		return
	}
	c.code = code
}
