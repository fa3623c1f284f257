package imap

import (
	"strings"
	"testing"
)

// A second FETCH of ENVELOPE or BODYSTRUCTURE is answered from the response
// cache, the same text without reading the message again; a renamed mailbox
// keeps its cache (same unique id), a new session shares it.
func TestEnvelopeAndBodyStructureAreCached(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("cached one", "hello\r\n"))
	env.deliver(t, "alice", multipartMessage)
	reads := env.countReads()
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	first := c.ok("a FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY)")
	headers, wholes := reads.header.Load(), reads.whole.Load()
	if headers+wholes == 0 {
		t.Fatalf("the first FETCH read nothing (%s)", reads)
	}
	again := env.rawLogin(t, "alice")
	again.ok("s SELECT INBOX")
	second := again.ok("b FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY)")
	if reads.header.Load() != headers || reads.whole.Load() != wholes {
		t.Errorf("the second FETCH read messages again: %s", reads)
	}
	trim := func(lines []string) string { return strings.Join(lines[:len(lines)-1], "\n") } // the tagged OK differs
	if trim(first) != trim(second) {
		t.Errorf("cached responses differ:\n%s\n---\n%s", trim(first), trim(second))
	}
	has(t, second, `"cached one"`, `("TEXT" "PLAIN"`)
}

// The cache keeps to its budget: a shard past its share is emptied, and
// what is built is still returned.
func TestResponseCacheStaysInItsBudget(t *testing.T) {
	t.Parallel()
	c := newResponseCache(16 * 1024) // 1 KiB per shard
	text := strings.Repeat("x", 200)
	builds := 0
	build := func(b []byte) []byte { builds++; return append(b, text...) }
	for uid := uint32(1); uid <= 500; uid++ {
		if got := string(c.appendCached([]byte("ENVELOPE "), cacheKey{mailbox: "m", uid: uid}, build)); got != "ENVELOPE "+text {
			t.Fatalf("uid %d: %q", uid, got)
		}
	}
	total := 0
	for i := range c.shards {
		if c.shards[i].bytes > c.shardBudget {
			t.Errorf("shard %d holds %d bytes, over its %d", i, c.shards[i].bytes, c.shardBudget)
		}
		total += len(c.shards[i].m)
	}
	if builds != 500 || total == 0 || total >= 500 {
		t.Errorf("builds %d, entries kept %d; want 500 builds and some, not all, kept", builds, total)
	}
	// A kept entry is served without building.
	for i := range c.shards {
		for k := range c.shards[i].m {
			c.appendCached(nil, k, build)
			if builds != 500 {
				t.Fatalf("a cached entry was built again")
			}
			return
		}
	}
}
