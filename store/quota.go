package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Quotas as Cyrus keeps them (RFC 9208): a quota root is a mailbox with
// limits; every mailbox counts towards the nearest root at or above it (the
// roots do not nest their usage: a root below another takes its mailboxes
// out of the upper one). The resources are STORAGE, in KiB of message
// sizes, and MESSAGE, a count.
//
// The limits live in mailboxes.db (bucket "quota": root name → JSON
// quotaEntry), with the root mailbox's unique id, and are cached in memory
// whole: they are few and change only by SetQuota. The usage lives in the
// shards (bucket "quotausage": root unique id → storage u64 bytes, messages
// u64), moved by every index change in that change's own transaction
// (updateMailbox's finish), so that it can never drift from the counters
// by a crash. A root's usage is the sum over the shards; the mailboxes of
// one user share a shard, so in practice it is one record. Keying usage by
// the root's unique id keeps it across a rename of the root.

// NoLimit is a resource without a limit.
const NoLimit int64 = -1

// QuotaLimits are a root's limits; NoLimit where a resource has none.
type QuotaLimits struct {
	StorageKiB int64 `json:"storage"`
	Messages   int64 `json:"message"`
}

// None reports whether no resource is limited: SETQUOTA with an empty
// list, which removes the root (as Cyrus does).
func (l QuotaLimits) None() bool { return l.StorageKiB < 0 && l.Messages < 0 }

// QuotaUsage is what a root's mailboxes hold.
type QuotaUsage struct {
	StorageBytes int64
	Messages     int64
}

// StorageKiB is the storage usage as RFC 9208 §5 reports it, rounded up.
func (u QuotaUsage) StorageKiB() int64 { return (u.StorageBytes + 1023) / 1024 }

// Quota is a root, its limits and its usage.
type Quota struct {
	Root   string
	Limits QuotaLimits
	Usage  QuotaUsage
}

// Over reports whether adding bytes and msgs to the usage passes a limit.
// Not strict (Cyrus's lmtp_strict_quota: no), it reports only whether the
// root is at or over a limit already, so one message may take it past.
func (q Quota) Over(bytes, msgs int64, strict bool) bool {
	storage, messages := q.Limits.StorageKiB*1024, q.Limits.Messages
	if !strict {
		return (storage >= 0 && q.Usage.StorageBytes >= storage) || (messages >= 0 && q.Usage.Messages >= messages)
	}
	return (storage >= 0 && bytes > 0 && q.Usage.StorageBytes+bytes > storage) ||
		(messages >= 0 && msgs > 0 && q.Usage.Messages+msgs > messages)
}

// Percent is the larger of the resources' usage as a percentage of their
// limits, for quotawarn; 0 without limits.
func (q Quota) Percent() int64 {
	var p int64
	if q.Limits.StorageKiB > 0 {
		p = max(p, q.Usage.StorageBytes*100/(q.Limits.StorageKiB*1024))
	}
	if q.Limits.Messages > 0 {
		p = max(p, q.Usage.Messages*100/q.Limits.Messages)
	}
	return p
}

// Errors of the quota API.
var (
	ErrOverQuota   = errors.New("over quota")
	ErrNoQuotaRoot = errors.New("no such quota root")
)

var (
	bucketQuota      = []byte("quota")      // mailboxes.db: root name → quotaEntry
	bucketQuotaUsage = []byte("quotausage") // shard: root unique id → usage
)

// quotaEntry is a root as mailboxes.db keeps it.
type quotaEntry struct {
	QuotaLimits
	ID string `json:"uniqueid"` // the root mailbox's, which keys its usage
}

// quotaRoots is the in-memory copy of every root's limits.
type quotaRoots struct {
	mu    sync.RWMutex
	roots map[string]quotaEntry
}

func (s *Store) loadQuotaRoots() error {
	q := &quotaRoots{roots: map[string]quotaEntry{}}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketQuota)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var e quotaEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("quota root %s: %w", k, err)
			}
			q.roots[string(k)] = e
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("store: quota roots: %w", err)
	}
	s.quota = q
	return nil
}

// rootOf returns the nearest root at or above the internal mailbox name,
// ok false when none applies. A domain prefix ("example.com!") is kept
// whole: its dots are not levels.
func (q *quotaRoots) rootOf(name string) (string, quotaEntry, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if len(q.roots) == 0 {
		return "", quotaEntry{}, false
	}
	floor := strings.IndexByte(name, '!') + 1
	for {
		if e, ok := q.roots[name]; ok {
			return name, e, true
		}
		i := strings.LastIndexByte(name, '.')
		if i < floor {
			return "", quotaEntry{}, false
		}
		name = name[:i]
	}
}

func (q *quotaRoots) get(root string) (quotaEntry, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	e, ok := q.roots[root]
	return e, ok
}

func (q *quotaRoots) names() []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]string, 0, len(q.roots))
	for n := range q.roots {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// QuotaRoot names the root that applies to a mailbox (RFC 9208
// GETQUOTAROOT), ok false when none does.
func (s *Store) QuotaRoot(mailbox string) (string, bool) {
	root, _, ok := s.quota.rootOf(mailbox)
	return root, ok
}

// Quota returns a root's limits and usage.
func (s *Store) Quota(root string) (Quota, error) {
	e, ok := s.quota.get(root)
	if !ok {
		return Quota{}, fmt.Errorf("quota %s: %w", root, ErrNoQuotaRoot)
	}
	u, err := s.quotaUsage(e.ID)
	if err != nil {
		return Quota{}, fmt.Errorf("quota %s: %w", root, err)
	}
	return Quota{Root: root, Limits: e.QuotaLimits, Usage: u}, nil
}

// Quotas lists every root with prefix (all when empty), in name order.
func (s *Store) Quotas(prefix string) ([]Quota, error) {
	var out []Quota
	for _, root := range s.quota.names() {
		if prefix != "" && root != prefix && !strings.HasPrefix(root, prefix+".") {
			continue
		}
		q, err := s.Quota(root)
		if errors.Is(err, ErrNoQuotaRoot) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// CheckQuota answers ErrOverQuota when msgs messages of bytes in all,
// added to mailbox, would pass its root's limits (strict), or when the
// root is full already (not strict; see Quota.Over). A mailbox under no
// root always has room. APPEND, COPY and delivery ask before they write.
func (s *Store) CheckQuota(mailbox string, bytes, msgs int64, strict bool) error {
	root, e, ok := s.quota.rootOf(mailbox)
	if !ok {
		return nil
	}
	u, err := s.quotaUsage(e.ID)
	if err != nil {
		return fmt.Errorf("quota %s: %w", root, err)
	}
	if (Quota{Root: root, Limits: e.QuotaLimits, Usage: u}).Over(bytes, msgs, strict) {
		return fmt.Errorf("%s: quota root %s: %w", mailbox, root, ErrOverQuota)
	}
	return nil
}

// quotaUsage sums a root's usage over the shards.
func (s *Store) quotaUsage(id string) (QuotaUsage, error) {
	var sum QuotaUsage
	for _, sh := range s.shards {
		err := sh.db.View(func(tx *bolt.Tx) error {
			u := readUsage(tx, id)
			sum.StorageBytes += u.StorageBytes
			sum.Messages += u.Messages
			return nil
		})
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func readUsage(tx *bolt.Tx, id string) QuotaUsage {
	b := tx.Bucket(bucketQuotaUsage)
	if b == nil {
		return QuotaUsage{}
	}
	v := b.Get([]byte(id))
	if len(v) != 16 {
		return QuotaUsage{}
	}
	return QuotaUsage{StorageBytes: int64(binary.BigEndian.Uint64(v)), Messages: int64(binary.BigEndian.Uint64(v[8:]))}
}

func writeUsage(tx *bolt.Tx, id string, u QuotaUsage) error {
	b, err := tx.CreateBucketIfNotExists(bucketQuotaUsage)
	if err != nil {
		return err
	}
	if u == (QuotaUsage{}) {
		return b.Delete([]byte(id))
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(u.StorageBytes))
	return b.Put([]byte(id), binary.BigEndian.AppendUint64(v, uint64(u.Messages)))
}
