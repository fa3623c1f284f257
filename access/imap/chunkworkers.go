package imap

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"chapar/store"
)

// inChunks runs work for chunks 0..n-1 of mailbox mb on up to
// maxSearchWorkers goroutines, each with a header reader of its own (it is
// not shared). A worker's panic (xno when a message cannot be read, or a
// bug) stops the others and is raised again here, in the session's
// goroutine, where the command's recovery turns it into the response.
// SEARCH's matching and SORT's key loading share it.
func (s *session) inChunks(what string, mb *store.Mailbox, n int, work func(c int, hr *store.HeaderReader)) {
	workers := min(runtime.GOMAXPROCS(0), maxSearchWorkers, n)
	var next atomic.Int64
	var stop atomic.Bool
	var failure any
	var failOnce sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if x := recover(); x != nil {
					switch x.(type) {
					case badError, noError, byeError:
					default:
						s.log.Error(what+" worker panicked", "panic", x, "stack", string(debug.Stack()))
					}
					failOnce.Do(func() { failure = x })
					stop.Store(true)
				}
			}()
			hr := s.store().HeaderReader(mb)
			for !stop.Load() {
				c := int(next.Add(1) - 1)
				if c >= n {
					return
				}
				work(c, hr)
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}
