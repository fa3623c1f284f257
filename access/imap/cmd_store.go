package imap

import (
	"strings"

	"chapar/store"
)

// STORE and UID STORE (RFC 9051 §6.4.6), with UNCHANGEDSINCE (RFC 7162
// §3.1.3).

type storeArgs struct {
	set    numSet
	op     store.FlagOp
	silent bool
	flags  []string
	// conditional: UNCHANGEDSINCE was given, with unchangedSince (which
	// may be 0).
	conditional    bool
	unchangedSince uint64
}

func parseStore(p *parser) storeArgs {
	var a storeArgs
	p.sp()
	a.set = p.numSet()
	p.sp()
	if p.peek() == '(' {
		// store-modifiers (RFC 4466 §2.5): UNCHANGEDSINCE.
		p.list(false, func() {
			if !p.maybeWord("UNCHANGEDSINCE") || a.conditional {
				xbad("STORE modifier %s not supported", peekWord(p))
			}
			p.sp()
			a.conditional, a.unchangedSince = true, p.modSeqValue(true)
		})
		p.sp()
	}
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

// runStore serves STORE and UID STORE.
func runStore(s *session, c *command, a storeArgs) {
	v, uid := s.sel, c.uid
	if a.conditional {
		s.enableCondStore()
	}
	if v.readOnly {
		xno("READ-ONLY", "mailbox is read-only")
	}
	idx := v.selectSet(s, a.set, uid)
	if len(idx) == 0 {
		return
	}
	var res *store.FlagResult
	if a.conditional && a.unchangedSince == 0 {
		// RFC 7162 §3.1.3: every message has a modseq above 0, so
		// UNCHANGEDSINCE 0 fails for all of them.
		// The rights are checked all the same.
		if _, _, err := s.act().Mailbox(v.mb.Name, store.FlagChangeRights(a.op, a.flags)); err != nil {
			s.storeError("STORE", err)
		}
		res = &store.FlagResult{}
		for _, i := range idx {
			if !v.msgs[i].gone {
				res.Failed = append(res.Failed, v.msgs[i].uid)
			}
		}
	} else {
		var err error
		res, err = s.act().StoreFlags(v.mb, store.FlagChange{UIDs: v.uidsOf(idx), Op: a.op, Flags: a.flags, UnchangedSince: a.unchangedSince})
		if err != nil {
			s.storeError("STORE", err)
		}
	}
	for i := range res.Changed {
		v.learnFlags(&res.Changed[i])
		s.announceKeywords(v, res.Changed[i].Flags)
	}
	var failed map[uint32]bool
	if len(res.Failed) > 0 {
		// RFC 7162 §3.1.3: the messages UNCHANGEDSINCE kept, by
		// sequence number for STORE and by UID for UID STORE.
		failed = make(map[uint32]bool, len(res.Failed))
		nums := make([]uint32, 0, len(res.Failed))
		for _, u := range res.Failed {
			failed[u] = true
			if uid {
				nums = append(nums, u)
			} else if i, ok := v.index(u); ok {
				nums = append(nums, uint32(i+1))
			}
		}
		c.code = "MODIFIED " + store.FormatUIDSet(nums)
		c.text = "Conditional STORE failed"
	}
	if a.silent {
		if s.condstore {
			// RFC 7162 §3.1.3: even .SILENT reports the new modseqs.
			for i := range res.Changed {
				m := &res.Changed[i]
				if j, ok := v.index(m.UID); ok {
					s.writef("* %d FETCH (UID %d MODSEQ (%d))", j+1, m.UID, m.ModSeq)
				}
			}
		}
		return
	}
	// The new flags of every message named, changed or not (RFC 9051
	// §6.4.6), with the UID for UID STORE; not those UNCHANGEDSINCE kept.
	for _, i := range idx {
		if m := &v.msgs[i]; !m.gone && !failed[m.uid] {
			s.writeFlagsFetch(i+1, m, uid)
		}
	}
}

// writeFlagsResponse announces the flags now in use (RFC 9051 §7.3.5)
// and, in a writable mailbox, the PERMANENTFLAGS that include them.
func (s *session) writeFlagsResponse(v *mailboxView) {
	flags := `\Answered \Flagged \Deleted \Seen \Draft`
	if len(v.keywords) > 0 {
		flags += " " + strings.Join(v.keywords, " ")
	}
	s.writef("* FLAGS (%s)", flags)
	if !v.readOnly {
		s.writef("* OK [PERMANENTFLAGS (%s)] Flags permitted", permanentFlags(v.rights, v.keywords))
	}
}
