package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
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
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
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

// AckEvents removes published events from their outboxes.
func (s *Store) AckEvents(evs []Event) error {
	bySource := map[int][]uint64{}
	for _, ev := range evs {
		bySource[ev.source] = append(bySource[ev.source], ev.seq)
	}
	for src, seqs := range bySource {
		del := func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketOutbox)
			for _, seq := range seqs {
				if err := b.Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if src == metaSource {
			err = s.meta.Update(del)
		} else {
			err = s.shards[src-1].commit.do(del)
		}
		if err != nil {
			return fmt.Errorf("outbox ack: %w", err)
		}
	}
	return nil
}
