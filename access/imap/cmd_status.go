package imap

import (
	"slices"
	"strconv"
	"strings"

	"chapar/store"
)

// STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438), DELETED (RFC 9051) and
// HIGHESTMODSEQ (RFC 7162 §3.1.6).

type statusArgs struct {
	name  string
	items []string
}

var statusItems = map[string]bool{
	"MESSAGES": true, "UIDNEXT": true, "UIDVALIDITY": true, "UNSEEN": true,
	"RECENT": true, "SIZE": true, "DELETED": true, "HIGHESTMODSEQ": true,
}

// parseStatusItems reads "(" status-att *(SP status-att) ")".
func parseStatusItems(p *parser) []string {
	var items []string
	p.list(false, func() {
		it := strings.ToUpper(p.atom())
		if !statusItems[it] {
			xbad("unknown STATUS item %s", it)
		}
		items = append(items, it)
	})
	return items
}

func parseStatus(p *parser) statusArgs {
	var a statusArgs
	p.sp()
	a.name = p.astring()
	p.sp()
	a.items = parseStatusItems(p)
	p.end()
	return a
}

func runStatus(s *session, c *command, a statusArgs) {
	mb, ext, _ := s.lookupMailbox(a.name, store.RightRead)
	if err := s.writeStatus(mb, ext, a.items); err != nil {
		s.storeError("STATUS", err)
	}
}

// writeStatus sends "* STATUS name (...)"; LIST-STATUS uses it too.
func (s *session) writeStatus(mb *store.Mailbox, ext string, items []string) error {
	st, err := s.act().Status(mb)
	if err != nil {
		return err
	}
	if slices.Contains(items, "HIGHESTMODSEQ") {
		s.enableCondStore()
	}
	b := []byte("* STATUS ")
	b = s.appendMailbox(b, ext)
	b = append(b, " ("...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, it...)
		b = append(b, ' ')
		switch it {
		case "MESSAGES":
			b = appendUint(b, st.Exists)
		case "UIDNEXT":
			b = appendUint(b, st.UIDNext)
		case "UIDVALIDITY":
			b = appendUint(b, st.UIDValidity)
		case "UNSEEN":
			b = appendUint(b, st.Unseen)
		case "RECENT":
			// RFC 3501 §6.3.10: of the selected mailbox, what is recent to
			// this session; of another, what no session has claimed yet.
			var r uint32
			if s.sel != nil && s.sel.mb.UniqueID == mb.UniqueID {
				r = s.sel.recentCount()
			} else if _, n, err := s.act().UnclaimedRecent(mb); err == nil {
				r = n
			} else {
				return err
			}
			b = appendUint(b, r)
		case "SIZE":
			b = strconv.AppendInt(b, st.Size, 10)
		case "DELETED":
			b = appendUint(b, st.Deleted)
		case "HIGHESTMODSEQ":
			b = strconv.AppendUint(b, st.HighestModSeq, 10)
		}
	}
	b = append(b, ')')
	s.writef("%s", b)
	return nil
}
