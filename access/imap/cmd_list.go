package imap

import (
	"errors"
	"sort"
	"strings"

	"chapar/store"
)

// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), LIST-STATUS
// (RFC 5819), SPECIAL-USE (RFC 6154) and CHILDREN (RFC 3348); and LSUB
// (RFC 3501 §6.3.9).

type listArgs struct {
	extended bool // selection or return options, or several patterns
	ref      string
	patterns []string

	subscribed, remote, recursive, specialOnly bool // selection options

	retSubscribed, retChildren, retSpecialUse bool
	retStatus                                 []string
	retMyRights                               bool // RFC 8440
}

func parseList(p *parser) listArgs {
	var a listArgs
	p.sp()
	if p.peek() == '(' {
		a.extended = true
		p.list(true, func() {
			switch opt := strings.ToUpper(p.atom()); opt {
			case "SUBSCRIBED":
				a.subscribed = true
			case "REMOTE":
				a.remote = true
			case "RECURSIVEMATCH":
				a.recursive = true
			case "SPECIAL-USE":
				a.specialOnly = true
			default:
				xbad("unknown LIST selection option %s", opt)
			}
		})
		p.sp()
		// RFC 5258 §3: RECURSIVEMATCH only qualifies another option.
		if a.recursive && !a.subscribed && !a.specialOnly {
			xbad("RECURSIVEMATCH needs another selection option")
		}
	}
	a.ref = p.astring()
	p.sp()
	if p.peek() == '(' {
		a.extended = true
		p.list(false, func() { a.patterns = append(a.patterns, p.listMailbox()) })
	} else {
		a.patterns = []string{p.listMailbox()}
	}
	if p.maybe(' ') {
		if !p.maybeWord("RETURN") {
			p.expected("RETURN")
		}
		a.extended = true
		p.sp()
		p.list(true, func() {
			switch opt := strings.ToUpper(p.atom()); opt {
			case "SUBSCRIBED":
				a.retSubscribed = true
			case "CHILDREN":
				a.retChildren = true
			case "SPECIAL-USE":
				a.retSpecialUse = true
			case "MYRIGHTS":
				a.retMyRights = true
			case "STATUS":
				p.sp()
				a.retStatus = parseStatusItems(p)
			default:
				xbad("unknown LIST return option %s", opt)
			}
		})
	}
	p.end()
	if a.subscribed {
		a.retSubscribed = true
	}
	return a
}

func parseLsub(p *parser) listArgs {
	var a listArgs
	p.sp()
	a.ref = p.astring()
	p.sp()
	a.patterns = []string{p.listMailbox()}
	p.end()
	return a
}

// listEntry is one name LIST may show.
type listEntry struct {
	ext        string
	mb         *store.Mailbox // nil: no such mailbox (a hole in the hierarchy)
	subscribed bool
	children   bool // has any mailbox below it
	subChild   bool // has a subscribed name below it
}

// listEntries gathers every name the user may see: the mailboxes on which
// they hold the lookup right (RFC 4314 §4), the holes above them, and
// subscriptions.
func (s *session) listEntries() map[string]*listEntry {
	// An admin sees everything; anyone else their own hierarchy and the
	// mailboxes that grant rights to others, of which the store keeps a
	// list rather than reading every ACL at every LIST.
	mbs, err := s.act().Mailboxes()
	if err != nil {
		s.storeError("LIST", err)
	}
	entries := map[string]*listEntry{}
	get := func(ext string) *listEntry {
		e := entries[ext]
		if e == nil {
			e = &listEntry{ext: ext}
			entries[ext] = e
		}
		return e
	}
	for i := range mbs {
		ext, ok := s.ns.external(mbs[i].Name)
		if !ok {
			continue
		}
		get(ext).mb = &mbs[i]
	}
	subs, err := s.act().Subscriptions()
	if err != nil {
		s.storeError("LIST", err)
	}
	for _, n := range subs {
		if ext, ok := s.ns.external(n); ok {
			get(ext).subscribed = true
		}
	}
	// Parents, existing or not, learn about their children.
	for ext, e := range entries {
		exists, subscribed := e.mb != nil, e.subscribed
		for i := strings.LastIndexByte(ext, s.ns.sep); i > 0; i = strings.LastIndexByte(ext[:i], s.ns.sep) {
			parent := ext[:i]
			if _, ok := s.ns.internal(parent); !ok {
				break
			}
			pe := get(parent)
			pe.children = pe.children || exists
			pe.subChild = pe.subChild || subscribed
		}
	}
	return entries
}

// listPattern joins reference and pattern (RFC 9051 §6.3.9: the reference
// is a prefix) and spells an INBOX prefix canonically.
func (s *session) listPattern(ref, pat string) string {
	full := ref + pat
	if strings.HasSuffix(ref, string(s.ns.sep)) && strings.HasPrefix(pat, string(s.ns.sep)) {
		full = ref + pat[1:]
	}
	full = s.decodeName(full)
	if len(full) >= 5 && strings.EqualFold(full[:5], "INBOX") && (len(full) == 5 || full[5] == s.ns.sep) {
		full = "INBOX" + full[5:]
	}
	return full
}

func runList(s *session, c *command, a listArgs) {
	if len(a.patterns) == 1 && a.patterns[0] == "" && !a.extended {
		// RFC 9051 §6.3.9: an empty pattern asks for the separator.
		s.writef(`* LIST (\Noselect) "%c" ""`, s.ns.sep)
		return
	}
	entries := s.listEntries()
	var pats []string
	for _, p := range a.patterns {
		pats = append(pats, s.listPattern(a.ref, p))
	}
	for _, e := range sortedEntries(entries) {
		if !matchAny(pats, e.ext, s.ns.sep) {
			continue
		}
		attrs, childInfo, ok := listAttrs(e, a)
		if !ok {
			continue
		}
		b := []byte("* LIST (")
		b = append(b, strings.Join(attrs, " ")...)
		b = append(b, `) "`...)
		b = append(b, s.ns.sep, '"', ' ')
		b = s.appendMailbox(b, e.ext)
		if childInfo {
			b = append(b, ` ("CHILDINFO" ("SUBSCRIBED"))`...)
		}
		s.writef("%s", b)
		if a.retMyRights && e.mb != nil {
			// RFC 8440 §2: the rights follow the mailbox's LIST line.
			s.writeMyRights(e.mb, e.ext)
		}
		// RFC 5819 §2 with RFC 4314 §4: STATUS only where r is held.
		if len(a.retStatus) > 0 && e.mb != nil {
			if err := s.writeStatus(e.mb, e.ext, a.retStatus); err != nil && !errors.Is(err, store.ErrPermission) && !isNoMailbox(err) {
				s.log.Warn("LIST-STATUS", "mailbox", e.mb.Name, "err", err)
			}
		}
	}
}

// listAttrs decides whether an entry is listed and with what.
func listAttrs(e *listEntry, a listArgs) (attrs []string, childInfo, ok bool) {
	switch {
	case a.subscribed:
		// RFC 5258 §3.5: RECURSIVEMATCH also lists a parent whose
		// descendants are subscribed, saying so with CHILDINFO.
		childInfo = a.recursive && e.subChild
		if !e.subscribed && !childInfo {
			return nil, false, false
		}
	case a.specialOnly:
		if e.mb == nil || e.mb.SpecialUse == "" {
			return nil, false, false
		}
	case e.mb == nil && !e.children:
		// A subscription to a mailbox that is gone is shown only to
		// LIST (SUBSCRIBED) and LSUB.
		return nil, false, false
	}
	if e.mb == nil {
		if a.extended {
			attrs = append(attrs, `\NonExistent`)
		} else {
			attrs = append(attrs, `\Noselect`)
		}
	}
	if e.children {
		attrs = append(attrs, `\HasChildren`)
	} else {
		attrs = append(attrs, `\HasNoChildren`)
	}
	if a.retSubscribed && e.subscribed {
		attrs = append(attrs, `\Subscribed`)
	}
	if e.mb != nil && e.mb.SpecialUse != "" {
		attrs = append(attrs, e.mb.SpecialUse)
	}
	return attrs, childInfo, true
}

func matchAny(pats []string, name string, sep byte) bool {
	for _, p := range pats {
		// INBOX is case-insensitive (RFC 9051 §5.1): "inbox*" finds it.
		if name == "INBOX" {
			p = strings.ToUpper(p)
		}
		if matchPattern(p, name, sep) {
			return true
		}
	}
	return false
}

// sortedEntries orders names with INBOX first, as clients expect.
func sortedEntries(m map[string]*listEntry) []*listEntry {
	list := make([]*listEntry, 0, len(m))
	for _, e := range m {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i].ext, list[j].ext
		if (a == "INBOX") != (b == "INBOX") {
			return a == "INBOX"
		}
		return a < b
	})
	return list
}

// runLsub lists subscriptions; a parent of a subscription that is not
// itself subscribed shows as \Noselect (RFC 3501 §6.3.9).
func runLsub(s *session, c *command, a listArgs) {
	if a.patterns[0] == "" {
		s.writef(`* LSUB (\Noselect) "%c" ""`, s.ns.sep)
		return
	}
	pat := s.listPattern(a.ref, a.patterns[0])
	for _, e := range sortedEntries(s.listEntries()) {
		if !matchAny([]string{pat}, e.ext, s.ns.sep) {
			continue
		}
		var attr string
		switch {
		case e.subscribed:
		case e.subChild && strings.HasSuffix(pat, "%"):
			attr = `\Noselect`
		default:
			continue
		}
		b := []byte("* LSUB (" + attr + `) "`)
		b = append(b, s.ns.sep, '"', ' ')
		s.writef("%s", s.appendMailbox(b, e.ext))
	}
}
