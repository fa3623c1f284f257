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

type boxKeys struct {
	keys     map[uint32]*cachedKeys
	subjects subjectOrder // the entries by base subject (subjectrank.go)
	used     uint64       // clock of the last lookup
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
	for k, uid := range uids {
		if e := b.keys[uid]; e != nil {
			out[k] = e.k
			if ranks != nil {
				ranks[k] = e.rank
			}
		} else {
			missing = append(missing, k)
		}
	}
	return missing
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
		b = &boxKeys{keys: make(map[uint32]*cachedKeys, len(uids))}
		c.boxes[mailbox] = b
	}
	b.used = c.clock
	if len(b.keys)+len(uids) > 2*exists+1000 {
		// Mostly gone: start again with what the caller has in hand.
		c.total -= len(b.keys)
		b.keys = make(map[uint32]*cachedKeys, len(uids))
		b.subjects = subjectOrder{}
	}
	for k, uid := range uids {
		// A message's keys are the same whoever read them: a session
		// that raced another to the store keeps the entry there is,
		// which may already be ranked.
		if _, ok := b.keys[uid]; !ok {
			e := &cachedKeys{k: keys[k]}
			b.keys[uid] = e
			b.subjects.pending = append(b.subjects.pending, e)
			c.total++
		}
	}
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
	c.total -= len(c.boxes[oldest].keys)
	delete(c.boxes, oldest)
}
