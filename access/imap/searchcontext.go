package imap

import (
	"cmp"
	"slices"

	"chapar/store"
)

// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): SEARCH or SORT with the
// return option UPDATE keeps its result, and the session tells the client
// how it changes, in ESEARCH ADDTO and REMOVEFROM, as the mailbox changes,
// until CANCELUPDATE or the mailbox is no longer selected. The contexts
// belong to the view (view.go), which marks the messages whose match may
// have changed (touch); report re-evaluates only those.

// maxContexts bounds the updating contexts of one session; past it UPDATE
// is refused with NO [NOUPDATE] and the command otherwise answered (RFC
// 5267 §4.3.1). Each context holds its result and is re-evaluated on every
// change, so the bound is what keeps a client from making changes dear.
const maxContexts = 10

// maxCancelTags bounds the tags one CANCELUPDATE names.
const maxCancelTags = 100

// searchContext is one updating result.
type searchContext struct {
	tag string
	uid bool // UID SEARCH or UID SORT: updates name UIDs, else sequence numbers
	key *searchKey
	// criteria is SORT's order, nil for SEARCH, whose order is the
	// mailbox's (RFC 5267 §4.1).
	criteria []sortCriterion
	compare  []func(x, y *msgKeys) int
	// order is the result as UIDs in the requested order; keys, for SORT,
	// are the sort keys of order's messages, and member its set.
	order  []uint32
	keys   []*msgKeys
	member map[uint32]bool
	// fetch is what UPDATE asked to FETCH of new mail added to the result
	// (RFC 5465 §7); flag changes that add a message send none.
	fetch []fetchItem
}

// maxUpdateFetch bounds UPDATE's fetch attributes.
const maxUpdateFetch = 50

// parseUpdateFetch reads UPDATE's "(" fetch-att *(SP fetch-att) ")" (RFC
// 5465 §8). As for NOTIFY's MessageNew, nothing that sets \Seen: the
// client did not ask to read the message.
func parseUpdateFetch(p *parser, name string) []fetchItem {
	var items []fetchItem
	p.list(false, func() {
		if len(items) == maxUpdateFetch {
			xbad("%s: more than %d UPDATE fetch attributes", name, maxUpdateFetch)
		}
		it := parseFetchAtt(p)
		if it.setsSeen() {
			xbad("%s: UPDATE fetch attribute %s would set \\Seen; use BODY.PEEK", name, it.label)
		}
		items = append(items, it)
	})
	return items
}

// contextOptions takes RFC 5267's CONTEXT and UPDATE out of a RETURN list.
// CONTEXT is a hint (§4.2) chapar does not need: every SEARCH is run
// afresh. With only those two, the list asks for no result data, which is
// ALL as for an empty list (RFC 4731 §3.1): an updating client needs the
// result it will be told the changes of.
func contextOptions(ret []string) (rest []string, update bool) {
	for _, r := range ret {
		switch r {
		case "UPDATE":
			update = true
		case "CONTEXT":
		default:
			rest = append(rest, r)
		}
	}
	return rest, update
}

// checkContextTag refuses UPDATE under a tag that already names an
// updating context (RFC 5267 §4.3: BAD, and the command has no effect).
func (v *mailboxView) checkContextTag(tag string) {
	if v.context(tag) >= 0 {
		xbad("tag %s already names a search context (RFC 5267 §4.3)", tag)
	}
}

func (v *mailboxView) context(tag string) int {
	return slices.IndexFunc(v.contexts, func(c *searchContext) bool { return c.tag == tag })
}

// openContext keeps the result of an UPDATE search: positions are the
// view positions found, in the requested order, keys their sort keys for
// SORT. Past maxContexts it says NOUPDATE instead.
func (s *session) openContext(tag string, uid bool, key *searchKey, criteria []sortCriterion, positions []int, keys []*msgKeys, fetch []fetchItem) {
	v := s.sel
	if len(v.contexts) >= maxContexts {
		b := appendString([]byte("* NO [NOUPDATE "), tag, false)
		s.writef("%s] Too many search contexts, at most %d", b, maxContexts)
		return
	}
	ctx := &searchContext{tag: tag, uid: uid, key: key, criteria: criteria, order: v.uidsOf(positions), fetch: fetch}
	if len(v.contexts) == 0 {
		v.arrivedFrom = v.uidNext
	}
	if criteria != nil {
		ctx.keys = keys
		ctx.member = make(map[uint32]bool, len(positions))
		for _, u := range ctx.order {
			ctx.member[u] = true
		}
		for _, c := range criteria {
			ctx.compare = append(ctx.compare, keyComparison(c))
		}
	}
	v.contexts = append(v.contexts, ctx)
}

// freezeKey fixes the parts of a search program that name messages by
// what they are now: sequence numbers are evaluated when the command is
// received (RFC 5267 §4.3), and "$" is the result saved before the
// command (RFC 5182 §2.1), not by its own SAVE or a later one. Both become
// the UIDs they name, before the search, which finds the same messages
// either way.
func (s *session) freezeKey(v *mailboxView, k *searchKey) {
	switch {
	case (k.op == "SEQ" || k.op == "UID") && k.set.saved:
		k.op, k.uids = "UIDS", slices.Sorted(slices.Values(s.saved))
	case k.op == "SEQ":
		n := uint32(len(v.msgs))
		k.op, k.uids = "UIDS", nil
		for i := range v.msgs {
			if k.set.contains(uint32(i+1), n) {
				k.uids = append(k.uids, v.msgs[i].uid)
			}
		}
	}
	for _, kid := range k.kids {
		s.freezeKey(v, kid)
	}
}

// parseCancelUpdate reads "CANCELUPDATE" 1*(SP quoted) (RFC 5267 §5); any
// string is taken, as a tag need not be quoted to be one.
func parseCancelUpdate(p *parser) []string {
	var tags []string
	for {
		if len(tags) == maxCancelTags {
			xbad("CANCELUPDATE: more than %d tags", maxCancelTags)
		}
		p.sp()
		tags = append(tags, p.astring())
		if p.atEnd() {
			break
		}
	}
	p.end()
	return tags
}

// runCancelUpdate ends the updating contexts named (RFC 5267 §4.3.5). A
// tag that names none is refused, and then none is ended.
func runCancelUpdate(s *session, c *command, tags []string) {
	v := s.sel
	for _, t := range tags {
		if v.context(t) < 0 {
			xno("", "CANCELUPDATE: no search context has tag %q", t)
		}
	}
	for _, t := range tags {
		if i := v.context(t); i >= 0 {
			v.contexts = slices.Delete(v.contexts, i, i+1)
		}
	}
}

// touch marks a message whose match may have changed: it is new, its
// flags or modseq changed, or it was expunged.
func (v *mailboxView) touch(uid uint32) {
	if len(v.contexts) > 0 {
		v.touched = append(v.touched, uid)
	}
}

// updateContexts sends what changed in each context's result for the
// touched messages. With goneOnly it handles just the expunged ones,
// before their EXPUNGE, so that sequence numbers are still right (RFC
// 5267 §4.3.4); the rest goes after EXISTS (§4.3.3) and the FETCHes of
// flag changes (RFC 5465 §5.1).
func (v *mailboxView) updateContexts(s *session, goneOnly bool) {
	arrivedFrom := v.arrivedFrom
	if !goneOnly {
		v.arrivedFrom = v.uidNext
	}
	if len(v.touched) == 0 {
		return
	}
	if len(v.contexts) == 0 {
		v.touched = v.touched[:0]
		return
	}
	slices.Sort(v.touched)
	touched := slices.Compact(v.touched)
	var gone, live []uint32
	var liveIdx []int
	for _, u := range touched {
		if i, ok := v.index(u); ok && !v.msgs[i].gone {
			live, liveIdx = append(live, u), append(liveIdx, i)
		} else {
			gone = append(gone, u)
		}
	}
	if goneOnly {
		for _, ctx := range v.contexts {
			var removed []uint32
			for _, u := range gone {
				if ctx.has(u) {
					removed = append(removed, u)
				}
			}
			ctx.update(s, v, removed, nil, nil)
		}
		v.touched = append(v.touched[:0], live...)
		return
	}
	v.touched = v.touched[:0]
	defer func() {
		// A message that cannot be read now leaves the contexts as they
		// were rather than failing the command that brought the change.
		if x := recover(); x != nil {
			switch x.(type) {
			case noError, badError:
				s.log.Warn("search context update", "mailbox", v.mb.Name, "err", x)
			default:
				panic(x)
			}
		}
	}()
	for _, ctx := range v.contexts {
		matched := s.matchesAt(v, ctx.key, liveIdx)
		var removed, added []uint32
		var addedIdx []int
		for _, u := range gone {
			if ctx.has(u) {
				removed = append(removed, u)
			}
		}
		for k, u := range live {
			switch in := ctx.has(u); {
			case matched[u] && !in:
				added, addedIdx = append(added, u), append(addedIdx, liveIdx[k])
			case !matched[u] && in:
				removed = append(removed, u)
			}
		}
		if len(removed) == 0 && len(added) == 0 {
			continue
		}
		var keys []*msgKeys
		if ctx.criteria != nil && len(added) > 0 {
			keys = s.keysFor(v, addedIdx)
		}
		ctx.update(s, v, removed, added, keys)
		if len(ctx.fetch) > 0 {
			s.fetchArrivals(v, ctx.fetch, addedIdx, arrivedFrom)
		}
	}
}

// fetchArrivals sends UPDATE's FETCH for the messages at view positions
// idx that arrived since the last update (UIDs from arrivedFrom on),
// after the ESEARCH that adds them, as RFC 5465 §5.2 orders it (§7's
// example puts the FETCH first; §5.2 says it MUST follow ADDTO).
func (s *session) fetchArrivals(v *mailboxView, items []fetchItem, idx []int, arrivedFrom uint32) {
	var fresh []int
	for _, i := range idx {
		if v.msgs[i].uid >= arrivedFrom {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) == 0 {
		return
	}
	msgs := s.loadMessages(v, fresh)
	hr := s.store().HeaderReader(v.mb)
	for _, i := range fresh {
		if m := msgs[v.msgs[i].uid]; m != nil {
			s.writeFetchMsg(i+1, &fetchMsg{s: s, m: m, hr: hr}, items, false)
		}
	}
}

// matchesAt evaluates key for the view positions idx (ascending).
func (s *session) matchesAt(v *mailboxView, key *searchKey, idx []int) map[uint32]bool {
	out := map[uint32]bool{}
	if len(idx) == 0 {
		return out
	}
	if key.fromViewAlone() {
		var m store.Message
		for _, i := range idx {
			v.fill(&v.msgs[i], &m)
			if key.match(&searchMsg{s: s, seq: uint32(i + 1), m: &m}) {
				out[m.UID] = true
			}
		}
		return out
	}
	msgs := s.loadMessages(v, idx)
	hr := s.store().HeaderReader(v.mb)
	for _, i := range idx {
		m := msgs[v.msgs[i].uid]
		if m == nil {
			continue // expunged in the store; its EXPUNGE is on the way
		}
		sm := &searchMsg{s: s, seq: uint32(i + 1), m: m}
		sm.fm = fetchMsg{s: s, m: m, hr: hr}
		if key.match(sm) {
			out[m.UID] = true
		}
	}
	return out
}

// has reports whether uid is in the result.
func (ctx *searchContext) has(uid uint32) bool {
	if ctx.member != nil {
		return ctx.member[uid]
	}
	_, ok := slices.BinarySearch(ctx.order, uid)
	return ok
}

// update takes removed out of the result and puts added (ascending UIDs,
// with their sort keys for SORT) in, and tells the client in one ESEARCH:
// REMOVEFROM first, then ADDTO, each pair meant for the result as the
// pairs before it left it (RFC 5267 §4.3.2).
func (ctx *searchContext) update(s *session, v *mailboxView, removed, added []uint32, keys []*msgKeys) {
	var b []byte
	if len(removed) > 0 {
		if pairs := ctx.remove(nil, v, removed); len(pairs) > 0 {
			b = append(append(append(b, " REMOVEFROM ("...), pairs...), ')')
		}
	}
	if len(added) > 0 {
		if pairs := ctx.add(nil, v, added, keys); len(pairs) > 0 {
			b = append(append(append(b, " ADDTO ("...), pairs...), ')')
		}
	}
	if b == nil {
		return
	}
	line := appendString([]byte("* ESEARCH (TAG "), ctx.tag, false)
	line = append(line, ')')
	if ctx.uid {
		line = append(line, " UID"...)
	}
	s.writef("%s%s", line, b)
}

// num is how the client names uid in this context.
func (ctx *searchContext) num(v *mailboxView, uid uint32) (uint32, bool) {
	if ctx.uid {
		return uid, true
	}
	i, ok := v.index(uid)
	return uint32(i + 1), ok
}

func (ctx *searchContext) nums(v *mailboxView, uids []uint32) []uint32 {
	out := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if n, ok := ctx.num(v, u); ok {
			out = append(out, n)
		}
	}
	return out
}

// remove writes REMOVEFROM's pairs. SEARCH's result is in mailbox order,
// so one pair at position 0 names them all; SORT's names each run of
// neighbours by where it starts once the runs before it are gone.
func (ctx *searchContext) remove(b []byte, v *mailboxView, removed []uint32) []byte {
	if ctx.criteria == nil {
		if nums := ctx.nums(v, removed); len(nums) > 0 {
			b = appendSet(append(b, "0 "...), nums)
		}
		ctx.order = slices.DeleteFunc(ctx.order, func(u uint32) bool {
			_, ok := slices.BinarySearch(removed, u)
			return ok
		})
		return b
	}
	gone := make(map[uint32]bool, len(removed))
	for _, u := range removed {
		gone[u] = true
		delete(ctx.member, u)
	}
	first, dropped := true, 0
	for i := 0; i < len(ctx.order); {
		if !gone[ctx.order[i]] {
			i++
			continue
		}
		end := i
		for end < len(ctx.order) && gone[ctx.order[end]] {
			end++
		}
		if nums := ctx.nums(v, ctx.order[i:end]); len(nums) > 0 {
			if !first {
				b = append(b, ' ')
			}
			first = false
			b = appendUint(b, uint32(i-dropped+1))
			b = appendOrderedSet(append(b, ' '), nums)
		}
		dropped += end - i
		i = end
	}
	kept := 0
	for i, u := range ctx.order {
		if !gone[u] {
			ctx.order[kept], ctx.keys[kept] = u, ctx.keys[i]
			kept++
		}
	}
	clear(ctx.keys[kept:])
	ctx.order, ctx.keys = ctx.order[:kept], ctx.keys[:kept]
	return b
}

// add writes ADDTO's pairs. For SEARCH one pair at position 0 in mailbox
// order (§4.3.3 recommends it); for SORT each new message goes where the
// sort puts it, and each run of new neighbours is one pair at the
// position it takes, in order from the first, so that every position is
// right once the pairs before it are in.
func (ctx *searchContext) add(b []byte, v *mailboxView, added []uint32, keys []*msgKeys) []byte {
	if ctx.criteria == nil {
		if nums := ctx.nums(v, added); len(nums) > 0 {
			b = appendSet(append(b, "0 "...), nums)
		}
		for _, u := range added {
			if i, ok := slices.BinarySearch(ctx.order, u); !ok {
				ctx.order = slices.Insert(ctx.order, i, u)
			}
		}
		return b
	}
	fresh := make(map[uint32]bool, len(added))
	for k, u := range added {
		i := ctx.position(u, keys[k])
		ctx.order = slices.Insert(ctx.order, i, u)
		ctx.keys = slices.Insert(ctx.keys, i, keys[k])
		ctx.member[u], fresh[u] = true, true
	}
	first := true
	for i := 0; i < len(ctx.order); {
		if !fresh[ctx.order[i]] {
			i++
			continue
		}
		end := i
		for end < len(ctx.order) && fresh[ctx.order[end]] {
			end++
		}
		if nums := ctx.nums(v, ctx.order[i:end]); len(nums) > 0 {
			if !first {
				b = append(b, ' ')
			}
			first = false
			b = appendUint(b, uint32(i+1))
			b = appendOrderedSet(append(b, ' '), nums)
		}
		i = end
	}
	return b
}

// position is where a message with keys k and UID uid goes in SORT's
// order: after every message before it by the criteria, and among equals
// in mailbox order, which is UID order (RFC 5256 §3).
func (ctx *searchContext) position(uid uint32, k *msgKeys) int {
	lo, hi := 0, len(ctx.order)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ctx.less(ctx.keys[mid], ctx.order[mid], k, uid) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (ctx *searchContext) less(xk *msgKeys, xu uint32, yk *msgKeys, yu uint32) bool {
	for _, f := range ctx.compare {
		if r := f(xk, yk); r != 0 {
			return r < 0
		}
	}
	return cmp.Less(xu, yu)
}
