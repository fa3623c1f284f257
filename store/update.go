package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Every change to a mailbox's index (deliver, append, copy, move, expunge,
// flag store) has one shape: in a group commit of the mailbox's shard, open
// the mailbox's bucket, read its counters, change records, write the
// counters back, and write the change's events to the outbox. updateMailbox
// is that shape, so that each operation is only its own logic.
//
// It also carries the committer's rule (see committer.do): a change may run
// more than once, because a group whose transaction fails is run again one
// request per transaction. Each run therefore gets a fresh mailboxUpdate,
// read from the transaction it runs in, and hands its result back by
// returning it; updateMailbox keeps only the result of the last successful
// run, which is the run whose transaction committed. A change must keep its
// results in what it returns, never in variables it captured.

// mailboxUpdate is one run of a change to one mailbox's index, inside a
// write transaction of its shard.
type mailboxUpdate struct {
	tx    *bolt.Tx
	mb    *Mailbox
	index *bolt.Bucket
	// state is the mailbox's counters as this transaction sees them; the
	// change edits it in place and updateMailbox writes it back.
	state *MailboxState
	dirty bool
	run   *updateRun
	// startExists and startSize are the counters as the run found them,
	// so that finish can move the quota usage by the difference.
	startExists uint32
	startSize   int64
}

// updateRun is what one run of a change opened: a move within a shard
// changes two mailboxes in one transaction. The first mailbox lives in the
// run itself, so that a delivery pays one allocation for the lot.
type updateRun struct {
	tx     *bolt.Tx
	first  mailboxUpdate
	more   []*mailboxUpdate
	events int
	quota  *quotaRoots
	// keep is expunge_mode: delayed: an expunge keeps its records (see
	// delayed.go).
	keep bool
	// bodies are the partitions' segments, whose relocations every
	// record written passes through (relocate.go).
	bodies map[string]*segments
}

// updateMailbox runs change on mb's index in a group commit of mb's shard
// and returns what the committed run returned. The outbox is signalled when
// that run wrote events.
func updateMailbox[R any](s *Store, mb *Mailbox, change func(u *mailboxUpdate) (R, error)) (R, error) {
	c := &mailboxChange[R]{mb: mb, change: change, quota: s.quota, keep: s.opts.DelayedExpunge, bodies: s.bodies}
	if err := s.shards[mb.Shard].commit.submit(c); err != nil {
		var zero R
		return zero, err
	}
	if c.events > 0 {
		s.outbox.notify()
	}
	return c.result, nil
}

// mailboxChange is one call of updateMailbox: the change, and what its last
// successful run left. One allocation holds it all, the run included,
// because a delivery pays for every allocation on its path.
type mailboxChange[R any] struct {
	mb     *Mailbox
	change func(u *mailboxUpdate) (R, error)
	run    updateRun
	result R
	events int
	quota  *quotaRoots
	keep   bool
	bodies map[string]*segments
}

// apply is one run of the change, in the transaction tx.
func (c *mailboxChange[R]) apply(tx *bolt.Tx) error {
	// A fresh view: nothing an earlier, rolled-back run read or counted
	// survives into this one.
	c.run = updateRun{tx: tx, quota: c.quota, keep: c.keep, bodies: c.bodies}
	u, err := c.run.open(c.mb)
	if err != nil {
		return err
	}
	r, err := c.change(u)
	if err != nil {
		return err
	}
	if err := c.run.finish(); err != nil {
		return err
	}
	// Overwrites what an earlier run left: only the last successful run's
	// transaction can have committed (see committer).
	c.result, c.events = r, c.run.events
	return nil
}

// open reads a mailbox's bucket and counters for this run, or fails with
// ErrNoMailbox when its index is gone. A mailbox the run opened already
// comes back as it is, so that two views never hold diverging counters of
// one mailbox (MOVE into the mailbox it comes from).
func (run *updateRun) open(mb *Mailbox) (*mailboxUpdate, error) {
	if u := run.find(mb.UniqueID); u != nil {
		return u, nil
	}
	b := mailboxBucket(run.tx, mb.UniqueID)
	if b == nil {
		return nil, ErrNoMailbox
	}
	st, err := readState(b)
	if err != nil {
		return nil, err
	}
	u := &run.first
	if u.mb != nil {
		u = new(mailboxUpdate)
		run.more = append(run.more, u)
	}
	*u = mailboxUpdate{tx: run.tx, mb: mb, index: b, state: st, run: run, startExists: st.Exists, startSize: st.Size}
	return u, nil
}

// find returns the view of a mailbox this run has opened, or nil.
func (run *updateRun) find(uniqueID string) *mailboxUpdate {
	if run.first.mb != nil && run.first.mb.UniqueID == uniqueID {
		return &run.first
	}
	for _, u := range run.more {
		if u.mb.UniqueID == uniqueID {
			return u
		}
	}
	return nil
}

// finish writes back the counters of every mailbox the run changed.
func (run *updateRun) finish() error {
	if err := run.first.writeBack(); err != nil {
		return err
	}
	for _, u := range run.more {
		if err := u.writeBack(); err != nil {
			return err
		}
	}
	return nil
}

func (u *mailboxUpdate) writeBack() error {
	if !u.dirty {
		return nil
	}
	if err := writeState(u.index, u.state); err != nil {
		return fmt.Errorf("%s: %w", u.mb.Name, err)
	}
	if err := u.chargeQuota(); err != nil {
		return fmt.Errorf("%s: quota: %w", u.mb.Name, err)
	}
	return nil
}

// also opens another mailbox of the same shard in the same transaction
// (MOVE between one user's mailboxes).
func (u *mailboxUpdate) also(mb *Mailbox) (*mailboxUpdate, error) {
	if mb.Shard != u.mb.Shard {
		return nil, fmt.Errorf("store: %s and %s are in different shards", u.mb.Name, mb.Name)
	}
	return u.run.open(mb)
}

// message returns the record of uid, or nil when the mailbox has none.
func (u *mailboxUpdate) message(uid uint32) (*Message, error) {
	v := u.index.Bucket(bucketMessages).Get(uidKey(uid))
	if v == nil {
		return nil, nil
	}
	m, err := decodeMessage(v)
	if err != nil {
		return nil, fmt.Errorf("uid %d: %w", uid, err)
	}
	return m, nil
}

// has reports whether uid is in the mailbox, without decoding its record.
func (u *mailboxUpdate) has(uid uint32) bool {
	return u.index.Bucket(bucketMessages).Get(uidKey(uid)) != nil
}

// nextModSeq takes the mailbox's next modseq.
func (u *mailboxUpdate) nextModSeq() uint64 {
	u.state.HighestModSeq++
	u.dirty = true
	return u.state.HighestModSeq
}

// add writes m as a new message under the mailbox's next UID, which it sets
// in m; m's modseq must already be set.
func (u *mailboxUpdate) add(m *Message) error {
	m.UID = u.state.UIDNext
	u.state.UIDNext++
	if err := u.relocate(m); err != nil {
		return err
	}
	addToState(u.state, m)
	u.dirty = true
	return putMessage(u.index, m, 0)
}

// rewrite writes a changed record of a message that is in the mailbox;
// oldModSeq is the modseq it had. The caller adjusts the counters.
func (u *mailboxUpdate) rewrite(m *Message, oldModSeq uint64) error {
	if err := u.relocate(m); err != nil {
		return err
	}
	u.dirty = true
	return putMessage(u.index, m, oldModSeq)
}

// relocate points a record read before compaction moved its body (a COPY's
// source, a reused delivery body) at where the body is now.
func (u *mailboxUpdate) relocate(m *Message) error {
	if segs := u.run.bodies[u.mb.Partition]; segs != nil {
		return segs.relocate(m)
	}
	return nil
}

// remove deletes messages under one new modseq, remembering the expunge
// for QRESYNC, and returns their UIDs in the order given.
func (u *mailboxUpdate) remove(doomed []*Message) ([]uint32, error) {
	modseq := u.nextModSeq()
	gone := make([]uint32, 0, len(doomed))
	for _, m := range doomed {
		if err := deleteMessage(u.index, m, modseq); err != nil {
			return nil, err
		}
		removeFromState(u.state, m)
		gone = append(gone, m.UID)
	}
	return gone, nil
}

// event returns an event of type t about the mailbox, its counters as they
// are now; the caller fills in what the change was.
func (u *mailboxUpdate) event(t EventType, service string) Event {
	st := u.state
	return Event{Type: t, Service: service, Mailbox: u.mb.Name, MailboxID: u.mb.UniqueID,
		UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, ModSeq: st.HighestModSeq,
		Messages: st.Exists, Unseen: st.Unseen, SpecialUse: u.mb.SpecialUse}
}

// emit writes an event to the shard's outbox, in the change's transaction.
func (u *mailboxUpdate) emit(ev *Event) error {
	if err := appendEvent(u.tx, ev); err != nil {
		return err
	}
	u.run.events++
	return nil
}

// addToState and removeFromState keep the counters in step with a message
// entering or leaving the index.
func addToState(st *MailboxState, m *Message) {
	st.Exists++
	st.Size += m.Size
	if !hasFlag(m.Flags, FlagSeen) {
		st.Unseen++
	}
	if hasFlag(m.Flags, FlagDeleted) {
		st.Deleted++
	}
}

func removeFromState(st *MailboxState, m *Message) {
	st.Exists--
	st.Size -= m.Size
	if !hasFlag(m.Flags, FlagSeen) {
		st.Unseen--
	}
	if hasFlag(m.Flags, FlagDeleted) {
		st.Deleted--
	}
}
