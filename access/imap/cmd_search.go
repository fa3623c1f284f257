package imap

import (
	"slices"
	"strconv"

	"chapar/store"
)

// SEARCH and UID SEARCH (RFC 9051 §6.4.4), with ESEARCH (RFC 4731),
// SEARCHRES (RFC 5182) and MODSEQ (RFC 7162 §3.1.5).

// runSearch serves SEARCH and UID SEARCH.
func runSearch(s *session, c *command, a searchArgs) {
	v, uid := s.sel, c.uid
	if a.update {
		v.checkContextTag(c.tag)
		s.freezeKey(v, a.key)
	}
	a.key.cheapFirst()
	withModSeq := a.key.usesModSeq()
	if withModSeq {
		s.enableCondStore()
	}
	seqs, modseqs := s.searchMatches(v, a.key, withModSeq)
	s.searchResult(c, a, uid, seqs, modseqs)
	if a.update {
		s.openContext(c.tag, uid, a.key, nil, seqs, nil, a.updateFetch)
	}
}

// searchMatches returns the view positions of the messages key matches,
// ascending, and with withModSeq their modseqs; SORT and THREAD search
// through it too. key must have been through cheapFirst.
func (s *session) searchMatches(v *mailboxView, key *searchKey, withModSeq bool) (seqs []int, modseqs []uint64) {
	if !key.fromViewAlone() {
		return s.searchStore(v, key, withModSeq)
	}
	var m store.Message // one record, refilled: match keeps nothing
	for i := range v.msgs {
		vm := &v.msgs[i]
		if vm.gone {
			continue // expunged, not yet announced: the store's path skips it too
		}
		v.fill(vm, &m)
		if key.match(&searchMsg{s: s, seq: uint32(i + 1), m: &m}) {
			seqs = append(seqs, i)
			if withModSeq {
				modseqs = append(modseqs, m.ModSeq)
			}
		}
	}
	return seqs, modseqs
}

// searchChunk is how many index entries one store read brings in; the
// read transaction is closed before any message is read.
const searchChunk = 1000

// maxSearchWorkers bounds the goroutines one SEARCH spreads a big mailbox
// over. A search that reads the messages is bound by CPU and the page
// cache, not by the client, which waits idle for the answer.
const maxSearchWorkers = 4

// chunkMatches are the matches in one chunk of the view.
type chunkMatches struct {
	seqs    []int
	modseqs []uint64
}

// searchStore evaluates key against every message's index entry and, when
// a key asks, its header or body. Chunks of the view are handed to up to
// maxSearchWorkers goroutines (inChunks) and their matches put back in
// order.
func (s *session) searchStore(v *mailboxView, key *searchKey, withModSeq bool) ([]int, []uint64) {
	chunks := make([]chunkMatches, (len(v.msgs)+searchChunk-1)/searchChunk)
	s.inChunks("SEARCH", v.mb, len(chunks), func(c int, hr *store.HeaderReader) {
		chunks[c] = s.searchChunk(v, key, c*searchChunk, hr, withModSeq)
	})
	var seqs []int
	var modseqs []uint64
	for _, c := range chunks {
		seqs = append(seqs, c.seqs...)
		modseqs = append(modseqs, c.modseqs...)
	}
	return seqs, modseqs
}

// searchChunk evaluates key for the view positions from start on, up to
// searchChunk of them.
func (s *session) searchChunk(v *mailboxView, key *searchKey, start int, hr *store.HeaderReader, withModSeq bool) chunkMatches {
	var out chunkMatches
	idx := make([]int, 0, searchChunk)
	for i := start; i < min(len(v.msgs), start+searchChunk); i++ {
		idx = append(idx, i)
	}
	msgs := s.loadMessages(v, idx)
	for _, i := range idx {
		m := msgs[v.msgs[i].uid]
		if m == nil {
			continue
		}
		sm := &searchMsg{s: s, seq: uint32(i + 1), m: m}
		sm.fm = fetchMsg{s: s, m: m, hr: hr}
		if key.match(sm) {
			out.seqs = append(out.seqs, i)
			if withModSeq {
				out.modseqs = append(out.modseqs, m.ModSeq)
			}
		}
	}
	return out
}

// searchResult answers with SEARCH or ESEARCH and saves "$". modseqs, when
// not nil, are the modseqs of the matches, for the highest of those the
// result returns (RFC 7162 §3.1.5).
func (s *session) searchResult(c *command, a searchArgs, uid bool, idx []int, modseqs []uint64) {
	v := s.sel
	nums := make([]uint32, len(idx))
	for k, i := range idx {
		if uid {
			nums[k] = v.msgs[i].uid
		} else {
			nums[k] = uint32(i + 1)
		}
	}
	ret := a.ret
	if a.esearch && len(ret) == 0 {
		ret = []string{"ALL"}
	}
	if slices.Contains(ret, "SAVE") {
		s.saveResult(idx, ret)
	}
	var highest uint64
	if len(modseqs) > 0 {
		if a.esearch && !slices.Contains(ret, "ALL") && !slices.Contains(ret, "COUNT") {
			// Only MIN and/or MAX: the messages they name.
			if slices.Contains(ret, "MIN") {
				highest = modseqs[0]
			}
			if slices.Contains(ret, "MAX") {
				highest = max(highest, modseqs[len(modseqs)-1])
			}
		} else {
			highest = slices.Max(modseqs)
		}
	}
	if !a.esearch && !s.rev2 {
		b := []byte("* SEARCH")
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
	if !a.esearch {
		ret = []string{"ALL"}
	}
	// RFC 5182 §2.4: SAVE alone asks for no ESEARCH response.
	if len(ret) == 1 && ret[0] == "SAVE" {
		return
	}
	b := []byte(`* ESEARCH (TAG `)
	b = appendString(b, c.tag, false)
	b = append(b, ')')
	if uid {
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
			b = append(b, store.FormatUIDSet(nums)...)
		case r == "COUNT":
			b = append(b, " COUNT "...)
			b = appendUint(b, uint32(len(nums)))
		case r == "PARTIAL":
			b = appendPartial(b, *a.partial, nums, appendSet)
		}
	}
	if highest != 0 {
		b = append(b, " MODSEQ "...)
		b = strconv.AppendUint(b, highest, 10)
	}
	s.writef("%s", b)
}

// saveResult keeps the result for "$"; with only MIN and/or MAX besides
// SAVE, only those are kept (RFC 5182 §2.4).
func (s *session) saveResult(idx []int, ret []string) {
	v := s.sel
	onlyMinMax := !slices.Contains(ret, "ALL") && !slices.Contains(ret, "COUNT") &&
		(slices.Contains(ret, "MIN") || slices.Contains(ret, "MAX"))
	var keep []int
	switch {
	case len(idx) == 0 || !onlyMinMax:
		keep = idx
	default:
		if slices.Contains(ret, "MIN") {
			keep = append(keep, idx[0])
		}
		if slices.Contains(ret, "MAX") && (len(keep) == 0 || idx[len(idx)-1] != keep[0]) {
			keep = append(keep, idx[len(idx)-1])
		}
	}
	s.saved = v.uidsOf(keep)
}

// appendSet writes ascending numbers as a sequence set, runs as ranges.
func appendSet(b []byte, nums []uint32) []byte { return append(b, store.FormatUIDSet(nums)...) }
