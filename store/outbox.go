package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The outbox: every change writes its event in the same transaction, and the
// publisher (notify) drains the outbox after commit. A crash between commit
// and publish leaves the event here, to be published on restart.

func appendEvent(tx *bolt.Tx, ev *Event) error {
	b := tx.Bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = time.Now().UTC()
	}
	if ev.User == "" {
		ev.User = Owner(ev.Mailbox)
	}
	if len(ev.UIDs) > 0 && ev.UIDSet == "" {
		ev.UIDSet = FormatUIDSet(ev.UIDs)
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), v)
}

type outboxSignal struct{ c chan struct{} }

func newOutboxSignal() *outboxSignal { return &outboxSignal{c: make(chan struct{}, 1)} }

func (o *outboxSignal) notify() {
	select {
	case o.c <- struct{}{}:
	default:
	}
}

// OutboxReady is signalled after a commit that wrote events.
func (s *Store) OutboxReady() <-chan struct{} { return s.outbox.c }

// metaSource is the outbox of mailboxes.db; shard i is source i+1.
const metaSource = 0

func (s *Store) sourceDB(source int) *bolt.DB {
	if source == metaSource {
		return s.meta
	}
	return s.shards[source-1].db
}

// PendingEvents returns up to max events not yet acknowledged. Each outbox
// keeps its commit order, and the outboxes are merged by commit time, so a
// mailbox's MailboxDelete (in mailboxes.db) comes after the MessageNew its
// shard committed before it.
func (s *Store) PendingEvents(max int) ([]Event, error) {
	perSource := make([][]Event, len(s.shards)+1)
	for src := range perSource {
		evs, err := s.readOutbox(src, max)
		if err != nil {
			return nil, err
		}
		perSource[src] = evs
	}
	return mergeByTime(perSource, max), nil
}

// mergeByTime merges outboxes, each already in order, taking the earliest
// head each time; a source's own order is never changed.
func mergeByTime(sources [][]Event, max int) []Event {
	var out []Event
	for len(out) < max {
		best := -1
		for i, evs := range sources {
			if len(evs) == 0 {
				continue
			}
			if best < 0 || evs[0].Timestamp.Before(sources[best][0].Timestamp) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, sources[best][0])
		sources[best] = sources[best][1:]
	}
	return out
}

func (s *Store) readOutbox(src, max int) ([]Event, error) {
	var out []Event
	err := s.sourceDB(src).View(func(tx *bolt.Tx) error {
		s.acks.mu.Lock()
		floor := s.acks.floor[src]
		s.acks.mu.Unlock()
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, floor+1)); k != nil && len(out) < max; k, v = c.Next() {
			var ev Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("outbox %d/%x: %w", src, k, err)
			}
			ev.source, ev.seq = src, binary.BigEndian.Uint64(k)
			ev.ID = fmt.Sprintf("%d-%d", src, ev.seq)
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// AckEvents forgets published events. For a shard the deletion rides on
// that shard's next group commit (or FlushEventAcks) instead of paying a
// commit of its own: until then the events are skipped by PendingEvents,
// and after a crash they are published again, which the events stream's
// Nats-Msg-Id window turns into nothing.
func (s *Store) AckEvents(evs []Event) error {
	var metaSeqs []uint64
	s.acks.mu.Lock()
	for _, ev := range evs {
		if ev.seq > s.acks.floor[ev.source] {
			s.acks.floor[ev.source] = ev.seq
		}
		if ev.source == metaSource {
			metaSeqs = append(metaSeqs, ev.seq)
		} else {
			s.acks.pending[ev.source] = append(s.acks.pending[ev.source], ev.seq)
		}
	}
	s.acks.mu.Unlock()
	if len(metaSeqs) == 0 {
		return nil
	}
	if err := s.meta.Update(deleteOutbox(metaSeqs)); err != nil {
		return fmt.Errorf("outbox ack: %w", err)
	}
	return nil
}

// FlushEventAcks commits the deletions AckEvents deferred.
func (s *Store) FlushEventAcks() error {
	for i, sh := range s.shards {
		s.acks.mu.Lock()
		n := len(s.acks.pending[i+1])
		s.acks.mu.Unlock()
		if n == 0 {
			continue
		}
		if err := sh.commit.do(func(*bolt.Tx) error { return nil }); err != nil {
			return fmt.Errorf("outbox ack: %w", err)
		}
	}
	return nil
}

// outboxAcks tracks, per outbox, the highest event published and the
// deletions not yet committed.
type outboxAcks struct {
	mu      sync.Mutex
	floor   map[int]uint64
	pending map[int][]uint64
}

// takeAcks hands a shard's committer the deletions to fold into its group.
func (s *Store) takeAcks(source int) func(*bolt.Tx) error {
	s.acks.mu.Lock()
	seqs := s.acks.pending[source]
	delete(s.acks.pending, source)
	s.acks.mu.Unlock()
	if len(seqs) == 0 {
		return nil
	}
	return deleteOutbox(seqs)
}

func deleteOutbox(seqs []uint64) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		for _, seq := range seqs {
			if err := b.Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return nil
	}
}
