package imap

import (
	"strconv"
	"strings"
)

// RETURN options shared by SEARCH and SORT (RFC 4731 §3.1, RFC 5267 §3),
// and PARTIAL (RFC 9394): one page of a big result.

// resultPartial is a partial-range (RFC 9394 §3.1): positions first to
// last, from 1, of the result in its order; negative ones count from its
// end, -1 being the last. Both have one sign, and |first| <= |last|.
type resultPartial struct{ first, last int64 }

// parseReturnOptions reads "RETURN" SP "(" [option *(SP option)] ")"
// after the command name, up to and including the closing bracket.
// name is the command, for the BAD text. fetch is UPDATE's fetch-att list
// (RFC 5465 §7: modifier-update = "UPDATE" ["(" fetch-att *(SP fetch-att) ")"]).
func parseReturnOptions(p *parser, name string) (ret []string, partial *resultPartial, fetch []fetchItem) {
	p.list(true, func() {
		opt := p.atom()
		switch up := strings.ToUpper(opt); up {
		case "MIN", "MAX", "ALL", "COUNT", "SAVE", "CONTEXT": // RFC 5267 §4
			ret = append(ret, up)
		case "UPDATE":
			ret = append(ret, up)
			if p.peek() == ' ' && len(p.rest()) > 1 && p.rest()[1] == '(' {
				p.sp()
				fetch = parseUpdateFetch(p, name)
			}
		case "PARTIAL":
			if partial != nil {
				xbad("%s: PARTIAL given twice", name)
			}
			p.sp()
			r := p.partialRange()
			partial = &r
			ret = append(ret, up)
		default:
			xbad("unknown %s return option %s", name, opt)
		}
		if len(ret) > 16 {
			xbad("%s: too many return options", name)
		}
	})
	return ret, partial, fetch
}

// partialRange reads partial-range-first / partial-range-last (RFC 9394
// §4): nz-number ":" nz-number, or both negative.
func (p *parser) partialRange() resultPartial {
	neg := p.maybe('-')
	first := int64(p.nzNumber())
	p.expect(':')
	if p.maybe('-') != neg {
		xbad("PARTIAL range mixes positive and negative positions")
	}
	last := int64(p.nzNumber())
	if first > last {
		first, last = last, first
	}
	if neg {
		first, last = -first, -last
	}
	return resultPartial{first, last}
}

// window returns the part [lo, hi) of a result of n that r names.
func (r resultPartial) window(n int) (lo, hi int) {
	if r.first > 0 {
		lo, hi = int(min(r.first-1, int64(n))), int(min(r.last, int64(n)))
		return lo, hi
	}
	lo, hi = n-int(min(-r.last, int64(n))), n-int(min(-r.first-1, int64(n)))
	return lo, hi
}

// appendPartial writes " PARTIAL (range set)", set being those of nums
// (the whole result, in its order) that r names, or NIL when none
// (RFC 9394 §3.1). format writes a set of them.
func appendPartial(b []byte, r resultPartial, nums []uint32, format func([]byte, []uint32) []byte) []byte {
	b = append(b, " PARTIAL ("...)
	b = strconv.AppendInt(b, r.first, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, r.last, 10)
	b = append(b, ' ')
	lo, hi := r.window(len(nums))
	if lo >= hi {
		b = append(b, "NIL"...)
	} else {
		b = format(b, nums[lo:hi])
	}
	return append(b, ')')
}
