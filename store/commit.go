package store

import (
	"errors"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// committer is a shard's group commit: callers queue a function, and one
// goroutine runs everything queued so far in a single transaction, paying one
// fsync for the lot. Unlike bbolt's Batch it never waits for a batch to fill,
// so a lone delivery commits at once and concurrent ones share the fsync of
// the transaction that is in flight while they arrive.
//
// A queued function may run more than once: when one function of a group
// fails, the group's transaction is rolled back and every function of the
// group is run again in a transaction of its own. A function is never run
// again once a transaction it ran in has committed, so its last successful
// run is the one that counts. Index changes go through updateMailbox (see
// update.go), which builds on this; a function passed to do directly must
// leave nothing behind outside the transaction (no results in captured
// variables) or reset what it leaves at the start of each run.
type committer struct {
	db *bolt.DB
	// sideWork, if set, returns work to fold into the next transaction
	// (deferred outbox deletions) or nil.
	sideWork func() func(*bolt.Tx) error
	queue    chan *commitReq
	done     chan struct{}
	// exited closes when run returns, so that a request that slipped into
	// the queue during shutdown is not waited on forever.
	exited chan struct{}
	once   sync.Once
	// onCommit, if set, is told each transaction's duration and group size.
	onCommit func(time.Duration, int)
}

type commitReq struct {
	work txWork
	err  chan error
}

var errClosed = errors.New("store closed")

const maxGroup = 256

func newCommitter(db *bolt.DB, onCommit func(time.Duration, int)) *committer {
	c := &committer{db: db, onCommit: onCommit, queue: make(chan *commitReq, maxGroup), done: make(chan struct{}), exited: make(chan struct{})}
	go c.run()
	return c
}

// txWork is what the committer runs in a transaction: a txFunc, or a
// value whose method it is (updateMailbox's mailboxChange), which saves
// the delivery path the allocation of a method value.
type txWork interface {
	apply(tx *bolt.Tx) error
}

// txFunc is a function as txWork.
type txFunc func(*bolt.Tx) error

func (f txFunc) apply(tx *bolt.Tx) error { return f(tx) }

// do queues fn and returns the error of the transaction that settled it:
// nil once a transaction in which fn ran has committed.
func (c *committer) do(fn func(*bolt.Tx) error) error {
	return c.submit(txFunc(fn))
}

// submit is do for any txWork.
func (c *committer) submit(work txWork) error {
	req := &commitReq{work: work, err: make(chan error, 1)}
	select {
	case c.queue <- req:
	case <-c.done:
		return errClosed
	}
	select {
	case err := <-req.err:
		return err
	case <-c.exited:
		select {
		case err := <-req.err:
			return err
		default:
			return errClosed
		}
	}
}

func (c *committer) stop() {
	c.once.Do(func() { close(c.done) })
}

func (c *committer) run() {
	defer close(c.exited)
	group := make([]*commitReq, 0, maxGroup)
	for {
		group = group[:0]
		select {
		case req := <-c.queue:
			group = append(group, req)
		case <-c.done:
			c.drainClosed()
			return
		}
	fill:
		for len(group) < maxGroup {
			select {
			case req := <-c.queue:
				group = append(group, req)
			default:
				break fill
			}
		}
		c.apply(group)
	}
}

func (c *committer) apply(group []*commitReq) {
	var side func(*bolt.Tx) error
	if c.sideWork != nil {
		side = c.sideWork()
	}
	start := time.Now()
	err := c.db.Update(func(tx *bolt.Tx) error {
		if side != nil {
			if err := side(tx); err != nil {
				return err
			}
		}
		for _, req := range group {
			if err := req.work.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if c.onCommit != nil {
		c.onCommit(time.Since(start), len(group))
	}
	if err == nil || len(group) == 1 {
		for _, req := range group {
			req.err <- err
		}
		return
	}
	// Someone failed: give each its own transaction so that one bad request
	// does not fail its neighbours. This is the second run of the functions
	// that had succeeded (see committer).
	for _, req := range group {
		req.err <- c.db.Update(req.work.apply)
	}
}

func (c *committer) drainClosed() {
	for {
		select {
		case req := <-c.queue:
			req.err <- errClosed
		default:
			return
		}
	}
}
