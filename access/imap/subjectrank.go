package imap

import (
	"math"
	"slices"
	"strings"
)

// SORT SUBJECT over a big mailbox spent most of its time in strings.Compare,
// each comparison reaching through two pointers to base subjects strewn
// over the heap: 1.7 million of them for 100,000 messages. The cache
// therefore also ranks each mailbox's messages by base subject, once, and
// keeps the ranks as messages arrive, so that SORT SUBJECT compares
// integers; messages with the same base subject have the same rank.

// cachedKeys is one message's entry in the sort key cache: its keys and
// its subject rank, which is only meaningful once subjectOrder.rank has
// taken it in.
type cachedKeys struct {
	k    *msgKeys
	rank uint32
}

// subjectOrder is a mailbox's cached messages in base subject order.
// Ranks are spread over the uint32 range with gaps between them, so that a
// few new subjects take a rank between their neighbours' without the
// others being renumbered; only a gap used up has every rank given again.
type subjectOrder struct {
	sorted  []*cachedKeys // ranked, by base subject
	pending []*cachedKeys // added since the last rank
}

// mergeBelow: with fewer pending entries than sorted ones over this, each
// is put into place by binary search; with more, they are sorted and
// merged with the rest, and all renumbered.
const mergeBelow = 64

func bySubject(x, y *cachedKeys) int { return strings.Compare(x.k.subject, y.k.subject) }

// rank takes the pending entries into the order and gives them ranks.
func (o *subjectOrder) rank() {
	if len(o.pending) == 0 {
		return
	}
	if len(o.pending)*mergeBelow > len(o.sorted) {
		slices.SortFunc(o.pending, bySubject)
		o.sorted = mergeBySubject(o.sorted, o.pending)
		o.pending = nil
		o.renumber()
		return
	}
	spent := false
	for _, e := range o.pending {
		s := e.k.subject
		i, found := slices.BinarySearchFunc(o.sorted, s, func(x *cachedKeys, s string) int { return strings.Compare(x.k.subject, s) })
		switch {
		case found:
			e.rank = o.sorted[i].rank
		default:
			// Strictly between the neighbours' ranks; rank 0 and
			// MaxUint32 are left free so that there always is an end
			// to count from.
			lo, hi := uint32(0), uint32(math.MaxUint32)
			if i > 0 {
				lo = o.sorted[i-1].rank
			}
			if i < len(o.sorted) {
				hi = o.sorted[i].rank
			}
			if hi-lo < 2 {
				spent = true // the order is right; renumber fixes the ranks
			}
			e.rank = lo + (hi-lo)/2
		}
		o.sorted = slices.Insert(o.sorted, i, e)
	}
	o.pending = nil
	if spent {
		o.renumber()
	}
}

// renumber gives the sorted entries ranks evenly spread over the uint32
// range, equal subjects equal ranks.
func (o *subjectOrder) renumber() {
	step := uint32(math.MaxUint32 / uint64(len(o.sorted)+1))
	r := uint32(0)
	for j, e := range o.sorted {
		if j == 0 || e.k.subject != o.sorted[j-1].k.subject {
			r += step
		}
		e.rank = r
	}
}

// mergeBySubject merges two lists in subject order into a new one.
func mergeBySubject(a, b []*cachedKeys) []*cachedKeys {
	if len(a) == 0 {
		return b
	}
	out := make([]*cachedKeys, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if bySubject(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}
