package imap

import (
	"strings"

	"chapar/store"
)

// STORE and UID STORE (RFC 9051 §6.4.6).

func init() {
	register("STORE", stateSelected, parseStore, func(s *session, c *command, a storeArgs) { runStore(s, a, false) }).holdExpunge = true
	register("UID STORE", stateSelected, parseStore, func(s *session, c *command, a storeArgs) { runStore(s, a, true) })
}

type storeArgs struct {
	set    numSet
	op     store.FlagOp
	silent bool
	flags  []string
}

func parseStore(p *parser) storeArgs {
	var a storeArgs
	p.sp()
	a.set = p.numSet()
	p.sp()
	switch {
	case p.maybe('+'):
		a.op = store.FlagsAdd
	case p.maybe('-'):
		a.op = store.FlagsRemove
	default:
		a.op = store.FlagsReplace
	}
	switch w := strings.ToUpper(peekWord(p)); w {
	case "FLAGS", "FLAGS.SILENT":
		p.pos += len(w)
		a.silent = w == "FLAGS.SILENT"
	default:
		p.expected("FLAGS or FLAGS.SILENT")
	}
	p.sp()
	if p.peek() == '(' {
		a.flags = p.flagList()
	} else {
		a.flags = []string{p.flag()}
		for p.maybe(' ') {
			a.flags = append(a.flags, p.flag())
		}
	}
	p.end()
	return a
}

func runStore(s *session, a storeArgs, uid bool) {
	v := s.sel
	if v.readOnly {
		xno("READ-ONLY", "mailbox is read-only")
	}
	idx := v.selectSet(s, a.set, uid)
	if len(idx) == 0 {
		return
	}
	res, err := s.store().StoreFlags(v.mb, store.FlagChange{UIDs: v.uidsOf(idx), Op: a.op, Flags: a.flags})
	if err != nil {
		s.storeError("STORE", err)
	}
	for i := range res.Changed {
		v.learnFlags(&res.Changed[i])
		if v.noteKeywords(res.Changed[i].Flags) {
			s.writeFlagsResponse(v)
		}
	}
	if a.silent {
		return
	}
	// The new flags of every message named, changed or not (RFC 9051
	// §6.4.6), with the UID for UID STORE.
	for _, i := range idx {
		if m := &v.msgs[i]; !m.gone {
			s.writeFlagsFetch(i+1, m, uid)
		}
	}
}

// writeFlagsResponse announces the flags now in use (RFC 9051 §7.3.5).
func (s *session) writeFlagsResponse(v *mailboxView) {
	flags := `\Answered \Flagged \Deleted \Seen \Draft`
	if len(v.keywords) > 0 {
		flags += " " + strings.Join(v.keywords, " ")
	}
	s.writef("* FLAGS (%s)", flags)
}
