package imap

import (
	"strings"
	"time"
)

// Parsing of SEARCH criteria (RFC 9051 §6.4.4, RFC 3501 §6.4.4 for the
// IMAP4rev1 keys) into a tree of searchKey.

type searchKey struct {
	op    string // upper case key; "AND" for a parenthesised list, "SEQ" for a sequence set
	str   string
	field string // HEADER's field name
	num   int64
	date  time.Time // a day, at midnight UTC
	set   numSet
	kids  []*searchKey
	// uids, for the internal key "UIDS", are the UIDs a sequence set or
	// "$" named when an updating search began (searchcontext.go).
	uids []uint32

	// modseq is MODSEQ's value (RFC 7162 §3.1.5).
	modseq uint64
}

// searchArgs is a parsed SEARCH command.
type searchArgs struct {
	esearch bool     // RETURN was given (RFC 4731)
	ret     []string // MIN MAX ALL COUNT SAVE PARTIAL; empty with esearch means ALL
	partial *resultPartial
	key     *searchKey
	update  bool // RETURN (UPDATE): keep the result updated (RFC 5267 §4.3)
	// updateFetch: what to FETCH of new mail the update adds (RFC 5465 §7).
	updateFetch []fetchItem
}

func parseSearch(p *parser) searchArgs {
	var a searchArgs
	p.sp()
	if p.maybeWord("RETURN") {
		a.esearch = true
		p.sp()
		a.ret, a.partial, a.updateFetch = parseReturnOptions(p, "SEARCH")
		a.ret, a.update = contextOptions(a.ret)
		p.sp()
	}
	if p.maybeWord("CHARSET") {
		p.sp()
		cs := strings.ToUpper(p.astring())
		if cs != "UTF-8" && cs != "US-ASCII" {
			xno("BADCHARSET (UTF-8 US-ASCII)", "charset %s not supported", cs)
		}
		p.sp()
	}
	a.key = parseSearchKeys(p)
	p.end()
	return a
}

// parseSearchKeys reads 1*(search-key) separated by spaces, up to the end
// of the command, as an implicit AND.
func parseSearchKeys(p *parser) *searchKey {
	and := &searchKey{op: "AND"}
	for {
		and.kids = append(and.kids, parseSearchKey(p, 0))
		if p.atEnd() {
			return and
		}
		p.sp()
	}
}

// maxSearchDepth bounds nesting of NOT, OR and lists.
const maxSearchDepth = 100

func parseSearchKey(p *parser, depth int) *searchKey {
	if depth > maxSearchDepth {
		xbad("search criteria nested too deeply")
	}
	switch c := p.peek(); {
	case c == '(':
		and := &searchKey{op: "AND"}
		p.list(false, func() { and.kids = append(and.kids, parseSearchKey(p, depth+1)) })
		return and
	case c >= '0' && c <= '9' || c == '*' || c == '$':
		return &searchKey{op: "SEQ", set: p.numSet()}
	}
	k := &searchKey{op: strings.ToUpper(p.atom())}
	switch k.op {
	case "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN",
		"UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN",
		"SAVEDATESUPPORTED": // RFC 8514 §4.3
	case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO":
		p.sp()
		k.str = p.astring()
	case "KEYWORD", "UNKEYWORD":
		p.sp()
		k.str = p.atom()
	case "HEADER":
		p.sp()
		k.field = p.astring()
		p.sp()
		k.str = p.astring()
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE",
		"SAVEDBEFORE", "SAVEDON", "SAVEDSINCE": // RFC 8514 §4.3
		p.sp()
		k.date = parseSearchDate(p)
	case "EMAILID", "THREADID": // RFC 8474 §6
		p.sp()
		k.str = p.atom()
	case "LARGER", "SMALLER":
		p.sp()
		k.num = p.number64()
	case "OLDER", "YOUNGER":
		// WITHIN (RFC 5032 §3): an interval in seconds, nz-number.
		p.sp()
		k.num = int64(p.nzNumber())
	case "MODSEQ":
		// "MODSEQ" [SP entry-name SP entry-type-req] SP
		// mod-sequence-valzer: the store keeps one modseq per message,
		// so the entry (a flag's private or shared entry) is read and
		// the message's modseq used for all.
		p.sp()
		if p.peek() == '"' {
			name := p.quoted()
			if !strings.HasPrefix(strings.ToLower(name), "/flags/") {
				xbad("MODSEQ entry %q is not a flag", name)
			}
			p.sp()
			switch t := strings.ToLower(p.atom()); t {
			case "priv", "shared", "all":
			default:
				xbad("MODSEQ entry type %s", t)
			}
			p.sp()
		}
		k.modseq = p.modSeqValue(true)
	case "UID":
		p.sp()
		k.set = p.numSet()
	case "NOT":
		p.sp()
		k.kids = []*searchKey{parseSearchKey(p, depth+1)}
	case "OR":
		p.sp()
		a := parseSearchKey(p, depth+1)
		p.sp()
		k.kids = []*searchKey{a, parseSearchKey(p, depth+1)}
	default:
		xbad("unknown search key %s", k.op)
	}
	return k
}

// parseSearchDate reads date = date-text / DQUOTE date-text DQUOTE, with
// date-text = date-day "-" date-month "-" date-year (RFC 9051 §9).
func parseSearchDate(p *parser) time.Time {
	quoted := p.maybe('"')
	s := p.takeWhile(func(c byte) bool { return c != '"' && c != ' ' && c != ')' })
	if quoted {
		p.expect('"')
	}
	t, err := time.Parse("_2-Jan-2006", s)
	if err != nil {
		if t, err = time.Parse("2-Jan-2006", s); err != nil {
			xbad("invalid date %q", s)
		}
	}
	return t
}
