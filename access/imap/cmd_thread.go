package imap

import "strings"

// THREAD and UID THREAD (RFC 5256 §3, §4): the matching messages as
// threads, by ORDEREDSUBJECT or REFERENCES (thread.go).

type threadArgs struct {
	algorithm string // ORDEREDSUBJECT or REFERENCES
	key       *searchKey
}

// parseThread reads
//
//	thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
//	search-criteria = charset 1*(SP search-key)
//
// (RFC 5256 §5).
func parseThread(p *parser) threadArgs {
	var a threadArgs
	p.sp()
	alg := p.atom()
	a.algorithm = strings.ToUpper(alg)
	if a.algorithm != "ORDEREDSUBJECT" && a.algorithm != "REFERENCES" {
		xbad("THREAD: unknown threading algorithm %s", alg)
	}
	p.sp()
	parseSearchCharset(p, "THREAD")
	p.sp()
	a.key = parseSearchKeys(p)
	p.end()
	return a
}

func runThread(s *session, c *command, a threadArgs) {
	v := s.sel
	a.key.cheapFirst()
	if a.key.usesModSeq() {
		s.enableCondStore()
	}
	idx, _ := s.searchMatches(v, a.key, false)
	keys := s.keysFor(v, idx)
	msgs := make([]threadMsg, len(idx))
	for j, i := range idx {
		msgs[j] = threadMsg{pos: i, k: keys[j]}
	}
	var roots []*threadNode
	if a.algorithm == "ORDEREDSUBJECT" {
		roots = threadOrderedSubject(msgs)
	} else {
		roots = threadReferences(msgs)
	}
	num := func(pos int) uint32 { return uint32(pos + 1) }
	if c.uid {
		num = func(pos int) uint32 { return v.msgs[pos].uid }
	}
	b := []byte("* THREAD")
	if len(roots) > 0 {
		b = append(b, ' ')
		b = appendThreads(b, roots, num)
	}
	s.writef("%s", b)
}
