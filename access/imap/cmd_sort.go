package imap

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// SORT and UID SORT (RFC 5256 §3), with SORT=DISPLAY (RFC 5957), ESORT's
// RETURN options (RFC 5267 §3) and PARTIAL (RFC 9394).

// sortCapabilities are what SORT, THREAD and their extensions add to
// CAPABILITY.
var sortCapabilities = []string{"SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SEARCH", "CONTEXT=SORT", "PARTIAL", "WITHIN"}

// sortCriterion is one sort-criterion: a sort key, perhaps reversed.
type sortCriterion struct {
	key     string // ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM, DISPLAYTO
	reverse bool
}

// sortArgs is a parsed SORT command.
type sortArgs struct {
	esort   bool     // RETURN was given (RFC 5267 §3)
	ret     []string // MIN MAX ALL COUNT SAVE PARTIAL; empty with esort means ALL
	partial *resultPartial
	update  bool // RETURN (UPDATE): keep the result updated (RFC 5267 §4.3)
	// updateFetch: what to FETCH of new mail the update adds (RFC 5465 §7).
	updateFetch []fetchItem
	criteria    []sortCriterion
	key         *searchKey
}

// maxSortCriteria bounds the sort-criterion list: there are nine keys,
// so more than this is a client gone wrong, not a request.
const maxSortCriteria = 16

// parseSort reads
//
//	sort = ["UID" SP] "SORT" [SP sort-return-opts] SP sort-criteria SP
//	       search-criteria
//	sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
//	search-criteria = charset 1*(SP search-key)
//
// (RFC 5256 §5, RFC 5267 §3). The charset is not optional here.
func parseSort(p *parser) sortArgs {
	var a sortArgs
	p.sp()
	if p.maybeWord("RETURN") {
		a.esort = true
		p.sp()
		a.ret, a.partial, a.updateFetch = parseReturnOptions(p, "SORT")
		a.ret, a.update = contextOptions(a.ret)
		p.sp()
	}
	if p.peek() != '(' {
		xbad("SORT: expected sort criteria in parentheses at %s", p.context())
	}
	a.criteria = parseSortCriteria(p)
	p.sp()
	parseSearchCharset(p, "SORT")
	p.sp()
	a.key = parseSearchKeys(p)
	p.end()
	return a
}

// parseSortCriteria reads sort-criteria:
//
//	sort-criterion = ["REVERSE" SP] sort-key
//	sort-key = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" /
//	           "TO" / "DISPLAYFROM" / "DISPLAYTO"
func parseSortCriteria(p *parser) []sortCriterion {
	var list []sortCriterion
	if bytes.HasPrefix(p.rest(), []byte("()")) {
		xbad("SORT: no sort criteria")
	}
	p.list(false, func() {
		if len(list) == maxSortCriteria {
			xbad("SORT: more than %d sort criteria", maxSortCriteria)
		}
		var c sortCriterion
		if p.maybeWord("REVERSE") {
			c.reverse = true
			p.sp()
		}
		c.key = strings.ToUpper(p.atom())
		switch c.key {
		case "ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO":
		default:
			xbad("SORT: unknown sort key %s", c.key)
		}
		list = append(list, c)
	})
	return list
}

// parseSearchCharset reads the charset SORT and THREAD require before
// their search keys; only UTF-8 and US-ASCII are known (RFC 5256 §3:
// "US-ASCII MUST be supported", RFC 9051 §6.4.4 for the NO).
func parseSearchCharset(p *parser, name string) {
	if p.atEnd() {
		xbad("%s: expected charset", name)
	}
	cs := strings.ToUpper(p.astring())
	if cs != "UTF-8" && cs != "US-ASCII" {
		xno("BADCHARSET (UTF-8 US-ASCII)", "%s: charset %s not supported", name, cs)
	}
}

func runSort(s *session, c *command, a sortArgs) {
	v := s.sel
	if a.update {
		v.checkContextTag(c.tag)
		s.freezeKey(v, a.key)
	}
	a.key.cheapFirst()
	withModSeq := a.key.usesModSeq()
	if withModSeq {
		s.enableCondStore()
	}
	idx, modseqs := s.searchMatches(v, a.key, withModSeq)
	var highest uint64
	if len(modseqs) > 0 {
		highest = slices.Max(modseqs)
	}
	keys, ranks := s.sortKeysFor(v, idx, a.criteria[0].key == "SUBJECT")
	order := sortPositions(idx, keys, ranks, a.criteria)
	nums := make([]uint32, len(order))
	for k, i := range order {
		if c.uid {
			nums[k] = v.msgs[i].uid
		} else {
			nums[k] = uint32(i + 1)
		}
	}
	if !a.esort {
		// RFC 5256 §4: "* SORT" and the numbers; RFC 7162 §3.1.5 adds
		// the highest modseq when MODSEQ searched.
		b := []byte("* SORT")
		for _, n := range nums {
			b = append(b, ' ')
			b = appendUint(b, n)
		}
		if highest != 0 {
			b = append(b, " (MODSEQ "...)
			b = strconv.AppendUint(b, highest, 10)
			b = append(b, ')')
		}
		s.writef("%s", b)
		return
	}
	s.esortResult(c, a, order, nums, highest)
	if a.update {
		byPos := make(map[int]*msgKeys, len(idx))
		for k, i := range idx {
			byPos[i] = keys[k]
		}
		ordered := make([]*msgKeys, len(order))
		for k, i := range order {
			ordered[k] = byPos[i]
		}
		s.openContext(c.tag, c.uid, a.key, a.criteria, order, ordered, a.updateFetch)
	}
}

// esortResult answers SORT RETURN (...) with ESEARCH (RFC 5267 §3.2):
// MIN and MAX are the first and last message in sort order, ALL lists
// every one in that order.
func (s *session) esortResult(c *command, a sortArgs, order []int, nums []uint32, highest uint64) {
	ret := a.ret
	if len(ret) == 0 {
		ret = []string{"ALL"}
	}
	if slices.Contains(ret, "SAVE") {
		// RFC 5182 §2.4 for a sorted result: the set is kept, not its
		// order; with only MIN and/or MAX, those messages.
		keep := order
		if !slices.Contains(ret, "ALL") && !slices.Contains(ret, "COUNT") &&
			(slices.Contains(ret, "MIN") || slices.Contains(ret, "MAX")) && len(order) > 0 {
			keep = nil
			if slices.Contains(ret, "MIN") {
				keep = append(keep, order[0])
			}
			if slices.Contains(ret, "MAX") {
				keep = append(keep, order[len(order)-1])
			}
		}
		keep = slices.Clone(keep)
		slices.Sort(keep)
		s.saved = s.sel.uidsOf(slices.Compact(keep))
		if len(ret) == 1 {
			return
		}
	}
	b := []byte(`* ESEARCH (TAG `)
	b = appendString(b, c.tag, false)
	b = append(b, ')')
	if c.uid {
		b = append(b, " UID"...)
	}
	for _, r := range ret {
		switch {
		case r == "MIN" && len(nums) > 0:
			b = append(b, " MIN "...)
			b = appendUint(b, nums[0])
		case r == "MAX" && len(nums) > 0:
			b = append(b, " MAX "...)
			b = appendUint(b, nums[len(nums)-1])
		case r == "ALL" && len(nums) > 0:
			b = append(b, " ALL "...)
			b = appendOrderedSet(b, nums)
		case r == "COUNT":
			b = append(b, " COUNT "...)
			b = appendUint(b, uint32(len(nums)))
		case r == "PARTIAL":
			b = appendPartial(b, *a.partial, nums, appendOrderedSet)
		}
	}
	if highest != 0 {
		b = append(b, " MODSEQ "...)
		b = strconv.AppendUint(b, highest, 10)
	}
	s.writef("%s", b)
}

// appendOrderedSet writes numbers in their order as a sequence set: a run
// of consecutive ascending numbers becomes a range, anything else is
// listed one by one, so the order survives (RFC 5267 §3.2).
func appendOrderedSet(b []byte, nums []uint32) []byte {
	for k := 0; k < len(nums); {
		end := k
		for end+1 < len(nums) && nums[end+1] == nums[end]+1 {
			end++
		}
		if k > 0 {
			b = append(b, ',')
		}
		b = appendUint(b, nums[k])
		if end > k {
			b = append(b, ':')
			b = appendUint(b, nums[end])
		}
		k = end + 1
	}
	return b
}

// keyComparison compares two messages by one sort criterion (RFC 5256
// §3, RFC 5957 §3), chosen once per SORT rather than per comparison.
// Strings were case-folded when the keys were made; a message without
// the field sorts as the empty string, first.
func keyComparison(c sortCriterion) func(x, y *msgKeys) int {
	var f func(x, y *msgKeys) int
	switch c.key {
	case "ARRIVAL":
		f = func(x, y *msgKeys) int { return cmp.Compare(x.arrival, y.arrival) }
	case "DATE":
		f = func(x, y *msgKeys) int { return cmp.Compare(x.sent, y.sent) }
	case "SIZE":
		f = func(x, y *msgKeys) int { return cmp.Compare(x.size, y.size) }
	case "SUBJECT":
		f = func(x, y *msgKeys) int { return strings.Compare(x.subject, y.subject) }
	case "FROM":
		f = func(x, y *msgKeys) int { return strings.Compare(x.from, y.from) }
	case "TO":
		f = func(x, y *msgKeys) int { return strings.Compare(x.to, y.to) }
	case "CC":
		f = func(x, y *msgKeys) int { return strings.Compare(x.cc, y.cc) }
	case "DISPLAYFROM":
		f = func(x, y *msgKeys) int { return strings.Compare(x.displayFrom, y.displayFrom) }
	case "DISPLAYTO":
		f = func(x, y *msgKeys) int { return strings.Compare(x.displayTo, y.displayTo) }
	default:
		panic("SORT: sort key " + c.key + " passed the parser")
	}
	if c.reverse {
		return func(x, y *msgKeys) int { return f(y, x) }
	}
	return f
}
