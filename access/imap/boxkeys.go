package imap

import (
	"cmp"
	"slices"
)

// boxKeys is one mailbox's part of the sort key cache. Its entries are
// kept in UID order, in two slices, rather than in a map by UID: a SORT
// or THREAD asks for its messages in the view's order, which is UID
// order, so finding 100,000 of them is one walk down the slices, not
// 100,000 hashed lookups scattered over memory.
type boxKeys struct {
	uids     []uint32      // ascending
	entries  []*cachedKeys // entries[i] is uids[i]'s
	subjects subjectOrder  // the entries by base subject (subjectrank.go)
	used     uint64        // clock of the last lookup
}

// find fills out[k] with the keys of uids[k], and ranks[k], if ranks is
// not nil, with its subject rank, and returns the k it does not hold.
func (b *boxKeys) find(uids []uint32, out []*msgKeys, ranks []uint32) (missing []int) {
	j := 0
	for k, uid := range uids {
		// The next uid is mostly at or just past the last one found; a
		// binary search only when it is behind or farther ahead.
		if j >= len(b.uids) || b.uids[j] > uid || (j+8 < len(b.uids) && b.uids[j+8] < uid) {
			j, _ = slices.BinarySearch(b.uids, uid)
		} else {
			for j < len(b.uids) && b.uids[j] < uid {
				j++
			}
		}
		if j == len(b.uids) || b.uids[j] != uid {
			missing = append(missing, k)
			continue
		}
		out[k] = b.entries[j].k
		if ranks != nil {
			ranks[k] = b.entries[j].rank
		}
		j++
	}
	return missing
}

// insert keeps keys[k] for uids[k] where it holds none yet, and returns
// how many it added. A message's keys are the same whoever read them: an
// entry there is, perhaps already ranked, stays.
func (b *boxKeys) insert(uids []uint32, keys []*msgKeys) int {
	type fresh struct {
		uid uint32
		e   *cachedKeys
	}
	var add []fresh
	for k, uid := range uids {
		if _, found := slices.BinarySearch(b.uids, uid); !found {
			add = append(add, fresh{uid, &cachedKeys{k: keys[k]}})
		}
	}
	if len(add) == 0 {
		return 0
	}
	byUID := func(x, y fresh) int { return cmp.Compare(x.uid, y.uid) }
	if !slices.IsSortedFunc(add, byUID) {
		slices.SortStableFunc(add, byUID)
	}
	add = slices.CompactFunc(add, func(x, y fresh) bool { return x.uid == y.uid })
	for _, f := range add {
		b.subjects.pending = append(b.subjects.pending, f.e)
	}
	if len(b.uids) == 0 || add[0].uid > b.uids[len(b.uids)-1] {
		// New mail: UIDs only grow.
		for _, f := range add {
			b.uids = append(b.uids, f.uid)
			b.entries = append(b.entries, f.e)
		}
		return len(add)
	}
	n := len(b.uids) + len(add)
	uidsOut, entriesOut := make([]uint32, 0, n), make([]*cachedKeys, 0, n)
	i := 0
	for _, f := range add {
		for i < len(b.uids) && b.uids[i] < f.uid {
			uidsOut, entriesOut = append(uidsOut, b.uids[i]), append(entriesOut, b.entries[i])
			i++
		}
		uidsOut, entriesOut = append(uidsOut, f.uid), append(entriesOut, f.e)
	}
	b.uids, b.entries = append(uidsOut, b.uids[i:]...), append(entriesOut, b.entries[i:]...)
	return len(add)
}
