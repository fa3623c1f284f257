package store_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// message4K is a 4 KB message whose first header line holds a counter, so
// that each append stores a distinct body (as real mail does) while the
// buffer is reused: the store does not keep the caller's slice.
type message4K struct{ buf []byte }

const counterWidth = 20

func newMessage4K() *message4K {
	b := []byte("X-Counter: " + fmt.Sprintf("%0*d", counterWidth, 0) + "\r\n" +
		"From: sender@example.org\r\nTo: alice@example.com\r\nSubject: benchmark\r\n\r\n")
	line := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy\r\n")
	for len(b)+len(line) <= 4096 {
		b = append(b, line...)
	}
	for len(b) < 4096 {
		b = append(b[:len(b)-2], 'z', '\r', '\n')
	}
	return &message4K{buf: b}
}

func (m *message4K) next(n uint64) []byte {
	s := strconv.FormatUint(n, 10)
	off := len("X-Counter: ") + counterWidth - len(s)
	copy(m.buf[off:], s)
	return m.buf
}

// BenchmarkStoreAppend appends 4 KB messages to one mailbox with fsync on:
// serially (each append pays its own commit) and from parallel goroutines
// (appends share group commits).
func BenchmarkStoreAppend(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		s := testkit.OpenStore(b, store.Options{})
		mb := create(b, s, "user.alice")
		msg := newMessage4K()
		var n uint64
		b.ReportAllocs()
		b.SetBytes(4096)
		for b.Loop() {
			n++
			if _, err := s.Append(mb.Name, store.NewMessage{Body: msg.next(n)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, quota := range []bool{false, true} {
		name := "parallel"
		if quota {
			name = "parallel-quota"
		}
		b.Run(name, func(b *testing.B) { benchmarkParallelAppend(b, quota) })
	}
}

// benchmarkParallelAppend appends from parallel goroutines; with quota,
// under a quota root that each append checks and charges, as APPEND does.
func benchmarkParallelAppend(b *testing.B, quota bool) {
	{
		s := testkit.OpenStore(b, store.Options{})
		mb := create(b, s, "user.alice")
		if quota {
			if err := s.SetQuota(mb.Name, store.QuotaLimits{StorageKiB: 1 << 40, Messages: store.NoLimit}); err != nil {
				b.Fatal(err)
			}
		}
		var n atomic.Uint64
		b.ReportAllocs()
		b.SetBytes(4096)
		b.SetParallelism(16) // 16 goroutines per core, as many LMTP sessions would
		b.RunParallel(func(pb *testing.PB) {
			msg := newMessage4K()
			for pb.Next() {
				if quota {
					if err := s.CheckQuota(mb.Name, 4096, 1, true); err != nil {
						b.Error(err)
						return
					}
				}
				if _, err := s.Append(mb.Name, store.NewMessage{Body: msg.next(n.Add(1))}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}

// BenchmarkSnapshot reads the whole index of a 10,000-message mailbox, as
// SELECT does.
func BenchmarkSnapshot(b *testing.B) {
	const size = 10000
	s := testkit.OpenStore(b, store.Options{NoSync: true})
	mb := create(b, s, "user.alice")
	var wg sync.WaitGroup
	var next atomic.Uint64
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := newMessage4K()
			for {
				n := next.Add(1)
				if n > size {
					return
				}
				var flags []string
				if n%3 == 0 {
					flags = []string{store.FlagSeen}
				}
				if n%10 == 0 {
					flags = append(flags, "$Label1", store.FlagFlagged)
				}
				if _, err := s.Deliver(store.Delivery{Key: "bench/" + strconv.FormatUint(n, 10), Mailbox: mb.Name,
					Message: store.NewMessage{Body: msg.next(n), Flags: flags, MessageID: "<" + strconv.FormatUint(n, 10) + "@bench>"}}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Snapshot(mb)
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Messages) != size {
			b.Fatalf("snapshot holds %d messages, want %d", len(snap.Messages), size)
		}
	}
}

// BenchmarkDeliverKeyed delivers 4 KB messages from parallel goroutines,
// each with an idempotency key (a job id and recipient, as the delivery
// writer gives) into a store that has applied 100,000 deliveries before:
// keys made in order (pipeline.NewJobID's, time first) against random
// ones, which scatter each group commit's inserts over the applied
// records' B+tree.
func BenchmarkDeliverKeyed(b *testing.B) {
	for _, ordered := range []bool{true, false} {
		name := "random-keys"
		if ordered {
			name = "ordered-keys"
		}
		b.Run(name, func(b *testing.B) {
			s := testkit.OpenStore(b, store.Options{})
			mb := create(b, s, "user.alice")
			var n atomic.Uint64
			key := func(i uint64) string {
				if ordered {
					return fmt.Sprintf("%020d/0", i)
				}
				return fmt.Sprintf("%016x/0", (i*0x9E3779B97F4A7C15)^0x5bd1e995)
			}
			// The earlier deliveries, from 32 goroutines: group commits
			// keep the set-up to seconds.
			const before = 100_000
			var wg sync.WaitGroup
			for range 32 {
				wg.Go(func() {
					msg := newMessage4K()
					for i := n.Add(1); i <= before; i = n.Add(1) {
						if _, err := s.Deliver(store.Delivery{Key: key(i), Mailbox: mb.Name, Message: store.NewMessage{Body: msg.next(i)}}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			n.Store(before)
			b.ReportAllocs()
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				msg := newMessage4K()
				for pb.Next() {
					i := n.Add(1)
					if _, err := s.Deliver(store.Delivery{Key: key(i), Mailbox: mb.Name, Message: store.NewMessage{Body: msg.next(i)}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
