package imap

import (
	"errors"
	"strings"

	"chapar/store"
)

// SELECT, EXAMINE (RFC 9051 §6.3.2-3), CLOSE (§6.4.1) and UNSELECT
// (RFC 3691): entering and leaving the selected state.

type selectArgs struct {
	name      string
	condstore bool
}

func parseSelect(p *parser) selectArgs {
	var a selectArgs
	p.sp()
	a.name = p.astring()
	if p.maybe(' ') {
		// select-params (RFC 4466 §2.1): CONDSTORE (RFC 7162 §3.1.8);
		// QRESYNC's is not supported.
		p.list(true, func() {
			if !p.maybeWord("CONDSTORE") {
				xbad("SELECT parameter %s not supported", p.atom())
			}
			a.condstore = true
		})
	}
	p.end()
	return a
}

func runSelect(s *session, c *command, a selectArgs)  { selectMailbox(s, c, a, false) }
func runExamine(s *session, c *command, a selectArgs) { selectMailbox(s, c, a, true) }

func selectMailbox(s *session, c *command, a selectArgs, readOnly bool) {
	// RFC 9051 §6.3.2: selecting deselects first, even if the new
	// SELECT fails; [CLOSED] marks where the old mailbox's updates end.
	if s.sel != nil {
		s.unselect()
		s.writef("* OK [CLOSED] Previous mailbox closed")
	}
	if a.condstore {
		s.enableCondStore()
	}
	mb, ext, rights := s.lookupMailbox(a.name, store.RightRead)
	// RFC 4314 §4: with none of the rights that change a mailbox, SELECT
	// opens it read-only.
	readOnly = readOnly || !rights.HasAny(writeRights)
	v := openView(s, mb, readOnly)
	v.rights = rights
	s.sel = v
	s.state = stateSelected

	flags := "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
	if len(v.keywords) > 0 {
		flags += " " + strings.Join(v.keywords, " ")
	}
	s.writef("* FLAGS (%s)", flags)
	if readOnly {
		s.writef("* OK [PERMANENTFLAGS ()] Read-only mailbox")
	} else {
		s.writef("* OK [PERMANENTFLAGS (%s)] Flags permitted", permanentFlags(rights, v.keywords))
	}
	s.writef("* %d EXISTS", len(v.msgs))
	if !s.rev2 {
		v.recentSent = v.recentCount()
		s.writef("* %d RECENT", v.recentSent)
		for i := range v.msgs {
			if !hasFlag(v.flagsOf(&v.msgs[i]), `\Seen`) {
				s.writef("* OK [UNSEEN %d] First unseen message", i+1)
				break
			}
		}
	}
	s.writef("* OK [UIDVALIDITY %d] UIDs valid", mb.UIDValidity)
	s.writef("* OK [UIDNEXT %d] Predicted next UID", v.uidNext)
	// RFC 7162 §3.1.2.1: sent on every SELECT and EXAMINE, since the
	// store keeps modseqs for every mailbox.
	s.writef("* OK [HIGHESTMODSEQ %d] Highest", v.modseq)
	if !readOnly {
		s.quotaAlert(mb)
	}
	if s.rev2 {
		// RFC 9051 §6.3.2: a LIST response names the mailbox.
		b := []byte(`* LIST () "`)
		b = append(b, s.ns.sep, '"', ' ')
		s.writef("%s", s.appendMailbox(b, ext))
	}
	if readOnly {
		c.code = "READ-ONLY"
	} else {
		c.code = "READ-WRITE"
	}
}

// hasFlag compares flags case-insensitively (RFC 9051 §2.3.2).
func hasFlag(flags []string, f string) bool { return containsFold(flags, f) }

// CLOSE expunges silently (no EXPUNGE responses) when the mailbox is
// writable, then deselects (RFC 9051 §6.4.1).
func runClose(s *session, c *command, _ struct{}) {
	if !s.sel.readOnly {
		// Without e the expunge is refused, and CLOSE still closes.
		if _, err := s.act().Expunge(s.sel.mb, nil); err != nil && !errors.Is(err, store.ErrPermission) {
			s.log.Warn("CLOSE: expunge", "err", err)
		}
	}
	s.unselect()
}

func runUnselect(s *session, c *command, _ struct{}) { s.unselect() }
