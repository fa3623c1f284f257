package imap

import (
	"hash/maphash"
	"sync"
)

// responseCache keeps the ENVELOPE and BODYSTRUCTURE text of messages that
// were fetched, as Cyrus keeps them in cyrus.cache and Dovecot in
// dovecot.index.cache: a client that fetches the headers of a mailbox again
// (on every reconnect, for most) is answered from memory instead of reading
// and parsing every header anew, which was 40% of the server's CPU in the
// bench's IMAP mix. A message never changes under its (mailbox unique id,
// UID), so nothing is ever invalidated; the cache is bounded by size, and a
// shard that outgrows its share is emptied whole.
type responseCache struct {
	seed   maphash.Seed
	shards [16]cacheShard
	// shardBudget is the most bytes one shard holds.
	shardBudget int
}

type cacheShard struct {
	mu    sync.Mutex
	m     map[cacheKey][]byte
	bytes int
}

// cacheKey names one response item of one message.
type cacheKey struct {
	mailbox string // unique id, stable across renames
	uid     uint32
	kind    cacheKind
}

type cacheKind uint8

const (
	cacheEnvelope cacheKind = iota
	cacheEnvelopeUTF8
	cacheBody // BODY, the non-extensible BODYSTRUCTURE
	cacheBodyUTF8
	cacheBodyStructure
	cacheBodyStructureUTF8
	cachePreview // PREVIEW (RFC 8970)
	cachePreviewUTF8
	cacheThreadID // THREADID (RFC 8474 §5.2); the same in both forms
	cacheThreadIDUTF8
)

// responseCacheBytes bounds the cache: some 50,000 envelopes.
const responseCacheBytes = 24 << 20

func newResponseCache(budget int) *responseCache {
	c := &responseCache{seed: maphash.MakeSeed(), shardBudget: budget / 16}
	for i := range c.shards {
		c.shards[i].m = map[cacheKey][]byte{}
	}
	return c
}

func (c *responseCache) shard(k cacheKey) *cacheShard {
	h := maphash.Comparable(c.seed, k)
	return &c.shards[h%uint64(len(c.shards))]
}

// appendCached appends the cached text for k to b, or computes it with
// build, keeps a copy, and appends that.
func (c *responseCache) appendCached(b []byte, k cacheKey, build func([]byte) []byte) []byte {
	if c == nil {
		return build(b)
	}
	sh := c.shard(k)
	sh.mu.Lock()
	v, ok := sh.m[k]
	sh.mu.Unlock()
	if ok {
		return append(b, v...)
	}
	start := len(b)
	b = build(b)
	v = append([]byte(nil), b[start:]...)
	size := len(v) + len(k.mailbox) + 48
	sh.mu.Lock()
	if sh.bytes+size > c.shardBudget {
		clear(sh.m)
		sh.bytes = 0
	}
	if _, dup := sh.m[k]; !dup {
		sh.m[k] = v
		sh.bytes += size
	}
	sh.mu.Unlock()
	return b
}
