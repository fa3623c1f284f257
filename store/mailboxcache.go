package store

import (
	"maps"
	"sync"
)

// mailboxCache keeps decoded mailbox records by name: every delivery looks
// its mailbox up (at ingest, for the duplicate mark and in Deliver), and
// decoding the record's JSON each time was about 4% of the server's CPU
// under LMTP load. The records change only in CreateMailbox,
// DeleteMailbox and RenameMailbox, which forget everything once their
// change is committed. A lookup caches what it read only if no change
// was forgotten since it began, so a read that raced with a change never
// outlives it.
type mailboxCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*Mailbox
}

// maxCachedMailboxes bounds the cache; past it, it starts over.
const maxCachedMailboxes = 100000

func newMailboxCache() *mailboxCache { return &mailboxCache{m: map[string]*Mailbox{}} }

// get returns a copy of the cached record, which the caller may change.
func (c *mailboxCache) get(name string) (*Mailbox, bool) {
	c.mu.Lock()
	mb, ok := c.m[name]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return mb.clone(), true
}

// generation is taken before a lookup reads the database.
func (c *mailboxCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches mb as read by a lookup that began at generation gen.
func (c *mailboxCache) put(gen uint64, mb *Mailbox) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedMailboxes {
		clear(c.m)
	}
	c.m[mb.Name] = mb.clone()
}

// forgetAll drops every record, after a change to the mailbox list.
func (c *mailboxCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

func (mb *Mailbox) clone() *Mailbox {
	cp := *mb
	cp.ACL = maps.Clone(mb.ACL)
	return &cp
}
