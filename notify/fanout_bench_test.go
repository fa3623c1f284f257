package notify_test

import (
	"sync"
	"testing"

	"chapar/notify"
	"chapar/store"
)

// handFeed is an EventFeed the benchmark drives by hand: no JetStream, so
// that what is measured is the hub's fan-out alone.
type handFeed struct {
	fn func(mailboxID, eventType string)
}

func (f *handFeed) Follow(fn func(mailboxID, eventType string)) (func() error, error) {
	f.fn = fn
	return func() error { return nil }, nil
}

// BenchmarkHubFanout: 1,000 watchers of one mailbox (and 9,000 of nine
// others, which must cost nothing), each on its own goroutine as an
// idling IMAP session is; an op is one event, from dispatch until every
// watcher of the mailbox has taken its kinds and had the shared answer to
// "what changed since" (one store read per event, stood in for here).
func BenchmarkHubFanout(b *testing.B) {
	const watchers, others = 1000, 9000
	feed := &handFeed{}
	hub, err := notify.NewHub(feed, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer hub.Close()
	answer := &store.Changes{}
	var answered sync.WaitGroup
	stop := make(chan struct{})
	var running sync.WaitGroup
	var modseq uint64 // written by the benchmark before each dispatch
	for i := range watchers + others {
		id := "hot"
		if i >= watchers {
			id = string(rune('a' + i%9))
		}
		w := hub.Watch(id)
		running.Add(1)
		go func() {
			defer running.Done()
			defer w.Close()
			for {
				select {
				case <-w.C():
				case <-stop:
					return
				}
				w.Take()
				since := modseq
				if _, err := w.Changes(since, func() (*store.Changes, error) { return answer, nil }); err != nil {
					b.Error(err)
				}
				answered.Done()
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		answered.Add(watchers)
		modseq = uint64(i)
		feed.fn("hot", string(store.MessageNew))
		answered.Wait()
	}
	b.StopTimer()
	close(stop)
	running.Wait()
	b.ReportMetric(float64(hub.Reads())/float64(b.N), "reads/op")
}
