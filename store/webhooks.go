package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Webhooks live in mailboxes.db so that they survive restarts and the
// admin command line can change them with or without a running server.
// The delivery itself (notify/webhook) keeps its position in JetStream, one
// durable consumer per webhook; the store keeps only what an operator set
// and the dead letters the delivery gave up on.
var (
	bucketWebhooks = []byte("webhooks")
	// bucketDeadLetters holds one sub-bucket per webhook id: stream
	// sequence u64 → JSON DeadLetter.
	bucketDeadLetters = []byte("webhook-dead")
)

// ErrNoWebhook is returned for a webhook id the store does not hold.
var ErrNoWebhook = errors.New("webhook does not exist")

// Webhook is one receiver of change events.
type Webhook struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Secret keys the HMAC-SHA256 signature of every body.
	Secret string `json:"secret"`
	// Events are the event types sent; empty sends every type.
	Events []string `json:"events,omitempty"`
	// Mailbox is a Cyrus pattern on the internal mailbox name ("*" any,
	// "%" any but the hierarchy separator); empty sends every mailbox.
	Mailbox string `json:"mailbox,omitempty"`
	// Batch, when not 0, sends the events as JSON arrays of up to Batch
	// events per POST; 0 sends one event per POST.
	Batch   int       `json:"batch,omitempty"`
	Created time.Time `json:"created"`
}

// DeadLetter is an event a webhook's receiver never accepted.
type DeadLetter struct {
	Seq       uint64          `json:"seq"` // the events stream's sequence
	Type      string          `json:"type"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"lastError"`
	Failed    time.Time       `json:"failed"`
	Event     json.RawMessage `json:"event"`
}

// AddWebhook stores w under a new random id, which it returns with w.
func (s *Store) AddWebhook(w Webhook) (Webhook, error) {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketWebhooks)
		if err != nil {
			return err
		}
		// Random rather than a counter: an id names the webhook's
		// JetStream consumer too, and a store made afresh next to an
		// old JetStream directory must not adopt an old consumer.
		for {
			var id [4]byte
			if _, err := rand.Read(id[:]); err != nil {
				return err
			}
			w.ID = hex.EncodeToString(id[:])
			if b.Get([]byte(w.ID)) == nil {
				break
			}
		}
		data, err := json.Marshal(&w)
		if err != nil {
			return err
		}
		return b.Put([]byte(w.ID), data)
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("add webhook: %w", err)
	}
	return w, nil
}

// Webhooks lists every webhook, by id.
func (s *Store) Webhooks() ([]Webhook, error) {
	var out []Webhook
	err := s.meta.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var w Webhook
			if err := json.Unmarshal(v, &w); err != nil {
				return fmt.Errorf("webhook %s: %w", k, err)
			}
			out = append(out, w)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// GetWebhook returns one webhook, or ErrNoWebhook.
func (s *Store) GetWebhook(id string) (Webhook, error) {
	var w Webhook
	err := s.meta.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		var v []byte
		if b != nil && id != "" {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return ErrNoWebhook
		}
		return json.Unmarshal(v, &w)
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook %q: %w", id, err)
	}
	return w, nil
}

// DeleteWebhook forgets a webhook and its dead letters.
func (s *Store) DeleteWebhook(id string) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		if b == nil || id == "" || b.Get([]byte(id)) == nil {
			return ErrNoWebhook
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if dead := tx.Bucket(bucketDeadLetters); dead != nil && dead.Bucket([]byte(id)) != nil {
			return dead.DeleteBucket([]byte(id))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete webhook %q: %w", id, err)
	}
	return nil
}

// AddDeadLetter records an event webhook id gave up on. Keyed by the
// stream sequence, so recording the same event again (a crash between
// this and the consumer's acknowledgement) replaces it.
func (s *Store) AddDeadLetter(id string, d DeadLetter) error {
	err := s.meta.Update(func(tx *bolt.Tx) error {
		hooks := tx.Bucket(bucketWebhooks)
		if hooks == nil || hooks.Get([]byte(id)) == nil {
			// Deleted while its delivery gave up: nothing to keep.
			return ErrNoWebhook
		}
		dead, err := tx.CreateBucketIfNotExists(bucketDeadLetters)
		if err != nil {
			return err
		}
		b, err := dead.CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return err
		}
		data, err := json.Marshal(&d)
		if err != nil {
			return err
		}
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], d.Seq)
		return b.Put(k[:], data)
	})
	if err != nil {
		return fmt.Errorf("dead letter %d of webhook %q: %w", d.Seq, id, err)
	}
	return nil
}

// DeadLetters lists the dead letters of webhook id in stream order.
func (s *Store) DeadLetters(id string) ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.meta.View(func(tx *bolt.Tx) error {
		hooks := tx.Bucket(bucketWebhooks)
		if hooks == nil || id == "" || hooks.Get([]byte(id)) == nil {
			return ErrNoWebhook
		}
		dead := tx.Bucket(bucketDeadLetters)
		if dead == nil || dead.Bucket([]byte(id)) == nil {
			return nil
		}
		return dead.Bucket([]byte(id)).ForEach(func(k, v []byte) error {
			var d DeadLetter
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("dead letter %x: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of webhook %q: %w", id, err)
	}
	return out, nil
}

// DeadLetterCounts is the number of dead letters kept per webhook id.
func (s *Store) DeadLetterCounts() (map[string]int, error) {
	out := map[string]int{}
	err := s.meta.View(func(tx *bolt.Tx) error {
		dead := tx.Bucket(bucketDeadLetters)
		if dead == nil {
			return nil
		}
		return dead.ForEachBucket(func(k []byte) error {
			out[string(k)] = dead.Bucket(k).Stats().KeyN
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count dead letters: %w", err)
	}
	return out, nil
}
