package store

import "sync"

// background tracks the store's own goroutines (the write-behind of
// \Recent marks, recentclaim.go), so that Close waits for them before it
// closes the databases they write to, and none starts after.
type background struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// start reports whether a goroutine may start; if so, it must call done.
func (b *background) start() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

func (b *background) done() { b.wg.Done() }

// close refuses new goroutines and waits for the running ones.
func (b *background) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wg.Wait()
}
