package imap

// numRange is one element of a sequence set (RFC 9051 §9 sequence-set);
// 0 stands for "*", the largest number in use.
type numRange struct{ first, last uint32 }

// numSet is a parsed sequence set of sequence numbers or UIDs, or "$", the
// result saved by SEARCH ... RETURN (SAVE) (RFC 5182).
type numSet struct {
	saved  bool
	ranges []numRange
}

// seqNumber reads nz-number or "*".
func (p *parser) seqNumber() uint32 {
	if p.maybe('*') {
		return 0
	}
	return p.nzNumber()
}

// numSet reads a sequence-set, or "$" when SEARCHRES applies.
func (p *parser) numSet() numSet {
	if p.maybe('$') {
		return numSet{saved: true}
	}
	var s numSet
	for {
		r := numRange{first: p.seqNumber()}
		r.last = r.first
		if p.maybe(':') {
			r.last = p.seqNumber()
		}
		s.ranges = append(s.ranges, r)
		if !p.maybe(',') {
			return s
		}
	}
}

// bounds resolves "*" to star and orders a range.
func (r numRange) bounds(star uint32) (lo, hi uint32) {
	lo, hi = r.first, r.last
	if lo == 0 {
		lo = star
	}
	if hi == 0 {
		hi = star
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi
}

// contains reports whether n is in the set; star is the value of "*".
// A "*" in an empty mailbox (star 0) matches nothing.
func (s *numSet) contains(n, star uint32) bool {
	for _, r := range s.ranges {
		lo, hi := r.bounds(star)
		if lo == 0 && star == 0 {
			continue
		}
		if n >= lo && n <= hi {
			return true
		}
	}
	return false
}

// maxExplicit is the largest number written out in the set (not "*"), for
// checking sequence numbers against EXISTS.
func (s *numSet) maxExplicit() uint32 {
	var m uint32
	for _, r := range s.ranges {
		m = max(m, r.first, r.last)
	}
	return m
}
