package imap

import (
	"cmp"
	"math"
	"slices"
)

// sortPositions orders view positions idx (ascending) by the criteria,
// keys[k] being those of idx[k] and subjectRanks[k], if not nil, its
// subject rank (subjectrank.go). Messages equal by every criterion keep
// their mailbox order (RFC 5256 §3).
//
// The first criterion, when it is a number (ARRIVAL, DATE, SIZE, or
// SUBJECT by rank), is copied next to each position so that the sort
// reads one compact slice rather than reaching through 100,000 pointers
// into the cache; with no other criterion and numbers within 2^32 of
// each other, number and position are packed into one uint64 and sorted
// as such.
func sortPositions(idx []int, keys []*msgKeys, subjectRanks []uint32, criteria []sortCriterion) []int {
	first, numeric := firstNumbers(keys, subjectRanks, criteria[0])
	if numeric && len(criteria) == 1 {
		if out, ok := sortPacked(idx, first); ok {
			return out
		}
	}
	rest := criteria
	if numeric {
		rest = criteria[1:]
	}
	compare := make([]func(x, y *msgKeys) int, len(rest))
	for j, c := range rest {
		compare[j] = keyComparison(c)
	}
	type entry struct {
		first uint64 // 0 unless numeric
		pos   int
		k     *msgKeys
	}
	list := make([]entry, len(idx))
	for j, i := range idx {
		list[j] = entry{pos: i, k: keys[j]}
		if numeric {
			list[j].first = first[j]
		}
	}
	slices.SortFunc(list, func(x, y entry) int {
		if r := cmp.Compare(x.first, y.first); r != 0 {
			return r
		}
		for _, f := range compare {
			if r := f(x.k, y.k); r != 0 {
				return r
			}
		}
		return cmp.Compare(x.pos, y.pos)
	})
	out := make([]int, len(list))
	for j, e := range list {
		out[j] = e.pos
	}
	return out
}

// firstNumbers returns criterion c of each message as a uint64 that
// sorts as the criterion does, reverse included, or false if c is not a
// number: a string key other than SUBJECT, or SUBJECT without ranks.
func firstNumbers(keys []*msgKeys, subjectRanks []uint32, c sortCriterion) ([]uint64, bool) {
	var get func(j int) uint64
	// flip maps int64 order onto uint64 order.
	const flip = 1 << 63
	switch {
	case c.key == "ARRIVAL":
		get = func(j int) uint64 { return uint64(keys[j].arrival) ^ flip }
	case c.key == "DATE":
		get = func(j int) uint64 { return uint64(keys[j].sent) ^ flip }
	case c.key == "SIZE":
		get = func(j int) uint64 { return uint64(keys[j].size) ^ flip }
	case c.key == "SUBJECT" && subjectRanks != nil:
		get = func(j int) uint64 { return uint64(subjectRanks[j]) }
	default:
		return nil, false
	}
	out := make([]uint64, len(keys))
	for j := range out {
		out[j] = get(j)
		if c.reverse {
			out[j] = ^out[j]
		}
	}
	return out, true
}

// sortPacked sorts positions idx by first, then by position, as one
// uint64 each: the number less the least in the high half, the position
// in the low. It declines numbers 2^32 or more apart, or positions past
// 2^32.
func sortPacked(idx []int, first []uint64) ([]int, bool) {
	if len(idx) == 0 {
		return []int{}, true
	}
	lo, hi := slices.Min(first), slices.Max(first)
	if hi-lo > math.MaxUint32 {
		return nil, false
	}
	packed := make([]uint64, len(idx))
	for j, i := range idx {
		if uint64(i) > math.MaxUint32 {
			return nil, false
		}
		packed[j] = (first[j]-lo)<<32 | uint64(i)
	}
	radixSort(packed)
	out := make([]int, len(packed))
	for j, p := range packed {
		out[j] = int(p & math.MaxUint32)
	}
	return out, true
}
