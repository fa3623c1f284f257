package imap

import "sync"

// sortKeyCache keeps the SORT and THREAD keys of messages (msgKeys) by
// mailbox unique id and UID, across sessions, so that re-sorting a big
// mailbox, in this session or the next, reads neither index nor headers:
// Cyrus keeps the same fields in cyrus.cache, Dovecot in its index cache.
// A message never changes under its UID, so entries are never stale;
// expunged ones are dropped when a mailbox's entries outnumber its
// messages twice over. The cache is bounded by messages: past
// sortCacheMessages, the mailboxes sorted least recently are forgotten
// whole.
type sortKeyCache struct {
	mu    sync.Mutex
	boxes map[string]*boxKeys
	total int    // entries across boxes
	limit int    // most entries kept
	clock uint64 // counts lookups, for least recently used
}

// sortCacheMessages bounds the cache: some 330 bytes a message (the
// keys, their entry and its place in the subject order), 130 MB for
// 400,000 messages, four mailboxes of the bench's biggest size.
const sortCacheMessages = 400_000

func newSortKeyCache(limit int) *sortKeyCache {
	return &sortKeyCache{boxes: map[string]*boxKeys{}, limit: limit}
}

// lookup fills out[k] with the keys of uids[k] it holds and returns the
// k it does not. With ranks, it also fills ranks[k] with the subject rank
// of uids[k], when none is missing. A nil cache holds nothing.
func (c *sortKeyCache) lookup(mailbox string, uids []uint32, out []*msgKeys, ranks []uint32) (missing []int) {
	var b *boxKeys
	if c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.clock++
		b = c.boxes[mailbox]
	}
	if b == nil {
		missing = make([]int, len(uids))
		for k := range uids {
			missing[k] = k
		}
		return missing
	}
	b.used = c.clock
	if ranks != nil {
		b.subjects.rank()
	}
	return b.find(uids, out, ranks)
}

// add keeps keys[k] for uids[k]. exists is the mailbox's message count,
// to tell when expunged messages' entries are worth dropping. A nil
// cache keeps nothing.
func (c *sortKeyCache) add(mailbox string, uids []uint32, keys []*msgKeys, exists int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.boxes[mailbox]
	if b == nil {
		b = &boxKeys{}
		c.boxes[mailbox] = b
	}
	b.used = c.clock
	if len(b.uids)+len(uids) > 2*exists+1000 {
		// Mostly gone: start again with what the caller has in hand.
		c.total -= len(b.uids)
		*b = boxKeys{used: c.clock}
	}
	c.total += b.insert(uids, keys)
	for c.total > c.limit && len(c.boxes) > 1 {
		c.evictOldest(mailbox)
	}
}

// evictOldest forgets the least recently used mailbox other than keep.
func (c *sortKeyCache) evictOldest(keep string) {
	var oldest string
	var at uint64
	for name, b := range c.boxes {
		if name != keep && (oldest == "" || b.used < at) {
			oldest, at = name, b.used
		}
	}
	c.total -= len(c.boxes[oldest].uids)
	delete(c.boxes, oldest)
}
