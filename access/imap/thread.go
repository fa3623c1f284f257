package imap

import (
	"cmp"
	"slices"
)

// The threading algorithms of THREAD (RFC 5256 §3): ORDEREDSUBJECT and
// REFERENCES. They work on the keys of the matched messages alone and
// return a forest of threadNode; appendThreads writes it.

// threadNode is a message in a thread, or a dummy standing for a message
// that is referred to but not there (RFC 5256 §3, REFERENCES step 1).
type threadNode struct {
	pos    int      // view position; of a dummy, -1
	k      *msgKeys // nil for a dummy
	parent *threadNode
	kids   []*threadNode
}

func (n *threadNode) dummy() bool { return n.k == nil }

// adopt makes c the last child of n.
func (n *threadNode) adopt(c *threadNode) {
	c.parent = n
	n.kids = append(n.kids, c)
}

// unlink takes n from its parent's children.
func (n *threadNode) unlink() {
	p := n.parent
	if p == nil {
		return
	}
	p.kids = slices.DeleteFunc(p.kids, func(c *threadNode) bool { return c == n })
	n.parent = nil
}

// above: a is n or below it.
func (n *threadNode) above(a *threadNode) bool {
	for ; a != nil; a = a.parent {
		if a == n {
			return true
		}
	}
	return false
}

// threadMsg is one message to thread: its view position and keys, in
// mailbox order.
type threadMsg struct {
	pos int
	k   *msgKeys
}

// threadOrderedSubject groups messages by base subject (RFC 5256 §3,
// ORDEREDSUBJECT): in each group, sorted by sent date, the first is the
// parent of the others; groups are ordered by their first message's sent
// date.
func threadOrderedSubject(msgs []threadMsg) []*threadNode {
	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, func(x, y threadMsg) int {
		if c := cmp.Compare(x.k.subject, y.k.subject); c != 0 {
			return c
		}
		return compareSent(x.k, x.pos, y.k, y.pos)
	})
	var roots []*threadNode
	var root *threadNode
	for _, m := range sorted {
		n := &threadNode{pos: m.pos, k: m.k}
		if root != nil && root.k.subject == m.k.subject {
			root.adopt(n)
			continue
		}
		root = n
		roots = append(roots, n)
	}
	slices.SortFunc(roots, compareNodes)
	return roots
}

// threadReferences is the REFERENCES algorithm (RFC 5256 §3): messages
// linked by Message-ID, References and In-Reply-To, dummies for missing
// parents pruned, roots of one base subject gathered, siblings ordered by
// sent date.
func threadReferences(msgs []threadMsg) []*threadNode {
	pool := &nodePool{}
	byID := make(map[string]*threadNode, len(msgs)*2)
	var all []*threadNode // every container, in the order made
	container := func(id string) *threadNode {
		n := byID[id]
		if n == nil {
			n = pool.node(-1, nil)
			byID[id] = n
			all = append(all, n)
		}
		return n
	}
	for _, m := range msgs {
		// Step 1: a message without a Message-ID, or with one another
		// message already has, gets a container of its own.
		var n *threadNode
		if m.k.msgID != "" && (byID[m.k.msgID] == nil || byID[m.k.msgID].dummy()) {
			n = container(m.k.msgID)
		} else {
			n = pool.node(-1, nil)
			all = append(all, n)
		}
		n.pos, n.k = m.pos, m.k
		// Step 1.A: link the references in order, each the parent of the
		// next, unless already linked or a loop would result.
		var prev *threadNode
		for _, id := range m.k.refs {
			r := container(id)
			if prev != nil && r.parent == nil && !r.above(prev) {
				prev.adopt(r)
			}
			prev = r
		}
		// Step 1.B: the last reference is the parent. A parent the
		// message already has came from another message's truncated
		// References and gives way; without references the message
		// is a root, as in the algorithm RFC 5256 takes from jwz.
		n.unlink()
		if prev != nil && !n.above(prev) {
			prev.adopt(n)
		}
	}
	// Step 2: the root set. Step 3, dropping the table, is the GC's.
	var roots []*threadNode
	for _, n := range all {
		if n.parent == nil {
			roots = append(roots, n)
		}
	}
	roots = pruneDummies(roots, nil)
	roots = mergeSubjects(roots, pool)
	sortThreads(roots)
	return roots
}

// nodePool hands out threadNodes from blocks of nodePoolBlock, allocated
// as needed and never moved, so pointers into them stay good: one
// allocation per block instead of one per container.
type nodePool struct{ block []threadNode }

const nodePoolBlock = 4096

func (p *nodePool) node(pos int, k *msgKeys) *threadNode {
	if len(p.block) == cap(p.block) {
		p.block = make([]threadNode, 0, nodePoolBlock)
	}
	p.block = append(p.block, threadNode{pos: pos, k: k})
	return &p.block[len(p.block)-1]
}

// pruneDummies is step 4: a dummy without children goes; a dummy with
// children gives way to them, except at the root, where it stays when it
// has more than one. parent is the level's parent (nil at the root).
func pruneDummies(level []*threadNode, parent *threadNode) []*threadNode {
	out := level[:0:0]
	for _, n := range level {
		n.kids = pruneDummies(n.kids, n)
		if !n.dummy() || (parent == nil && len(n.kids) > 1) {
			out = append(out, n)
			continue
		}
		for _, c := range n.kids {
			c.parent = parent
			out = append(out, c)
		}
	}
	return out
}

// threadSubject is the base subject a root is gathered by: its own, or
// for a dummy its first child's (step 5.A).
func threadSubject(n *threadNode) string {
	if n.dummy() {
		if len(n.kids) == 0 || n.kids[0].dummy() {
			return ""
		}
		return n.kids[0].k.subject
	}
	return n.k.subject
}

// mergeSubjects is step 5: roots with one base subject are gathered under
// one of them, or under a new dummy.
func mergeSubjects(roots []*threadNode, pool *nodePool) []*threadNode {
	table := map[string]*threadNode{}
	isReply := func(n *threadNode) bool { return !n.dummy() && n.k.reply }
	// 5.A: the table holds, per subject, a dummy if there is one, else
	// preferably a message that is not a reply or forward.
	for _, n := range roots {
		subj := threadSubject(n)
		if subj == "" {
			continue
		}
		old := table[subj]
		if old == nil || (!old.dummy() && (n.dummy() || (isReply(old) && !isReply(n)))) {
			table[subj] = n
		}
	}
	// 5.B: every other root of that subject joins the table's.
	gone := map[*threadNode]bool{}
	for _, n := range roots {
		subj := threadSubject(n)
		t := table[subj]
		if subj == "" || t == n || gone[n] {
			continue
		}
		switch {
		case t.dummy() && n.dummy():
			for _, c := range n.kids {
				t.adopt(c)
			}
			n.kids = nil
		case t.dummy() || (isReply(n) && !isReply(t)):
			t.adopt(n)
		default:
			d := pool.node(-1, nil)
			at := slices.Index(roots, t)
			d.adopt(t)
			d.adopt(n)
			roots[at] = d
			table[subj] = d
		}
		gone[n] = true
	}
	return slices.DeleteFunc(roots, func(n *threadNode) bool { return gone[n] })
}

// sortThreads is step 6: siblings by sent date, a dummy dated by its
// first child once its children are sorted, at every level.
func sortThreads(level []*threadNode) {
	for _, n := range level {
		sortThreads(n.kids)
	}
	slices.SortFunc(level, compareNodes)
}

// compareNodes orders threads and siblings by sent date, then by
// mailbox order (RFC 5256 §3).
func compareNodes(x, y *threadNode) int {
	x, y = firstMessage(x), firstMessage(y)
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return 1
	case y == nil:
		return -1
	}
	return compareSent(x.k, x.pos, y.k, y.pos)
}

// firstMessage is n, or for a dummy its first child that is a message.
func firstMessage(n *threadNode) *threadNode {
	for n != nil && n.dummy() {
		if len(n.kids) == 0 {
			return nil
		}
		n = n.kids[0]
	}
	return n
}

func compareSent(x *msgKeys, xpos int, y *msgKeys, ypos int) int {
	if c := cmp.Compare(x.sent, y.sent); c != 0 {
		return c
	}
	return cmp.Compare(xpos, ypos)
}

// appendThreads writes the forest as thread-lists (RFC 5256 §4):
//
//	thread-list    = "(" (thread-members / thread-nested) ")"
//	thread-members = nz-number *(SP nz-number) [SP thread-nested]
//	thread-nested  = 2*thread-list
//
// num gives a message's number (sequence number or UID) by position.
func appendThreads(b []byte, roots []*threadNode, num func(pos int) uint32) []byte {
	for _, n := range roots {
		b = appendThreadList(b, n, num)
	}
	return b
}

func appendThreadList(b []byte, n *threadNode, num func(int) uint32) []byte {
	b = append(b, '(')
	b = appendMembers(b, n, num)
	return append(b, ')')
}

// appendMembers writes what is inside n's thread-list: a chain of only
// children as one run of numbers, then the children of the first message
// with more than one, each as a thread-list.
func appendMembers(b []byte, n *threadNode, num func(int) uint32) []byte {
	wrote := false // a number was written at this level
	for {
		if !n.dummy() {
			if wrote {
				b = append(b, ' ')
			}
			b = appendUint(b, num(n.pos))
			wrote = true
		}
		switch len(n.kids) {
		case 0:
			return b
		case 1:
			n = n.kids[0]
			continue
		}
		if wrote {
			b = append(b, ' ')
		}
		for _, c := range n.kids {
			b = appendThreadList(b, c, num)
		}
		return b
	}
}
