package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/notify/webhook"
	"chapar/pipeline"
	"chapar/pipeline/bustest"
	"chapar/store"
)

// BenchmarkDeliveryToLocalReceiver measures one webhook's rate: events
// on the stream to POSTs a loopback receiver answered 204, one in flight
// at a time as order requires. Reported as events/s.
func BenchmarkDeliveryToLocalReceiver(b *testing.B) { benchmarkDelivery(b, 0) }

// BenchmarkDeliveryToLocalReceiverBatch100 is the same with batches of up
// to 100 events per POST (webhook add --batch 100).
func BenchmarkDeliveryToLocalReceiverBatch100(b *testing.B) { benchmarkDelivery(b, 100) }

func benchmarkDelivery(b *testing.B, batch int) {
	c := bustest.Start(b, nil)
	st := testkit.OpenStore(b, store.Options{NoSync: true})
	var mu sync.Mutex
	seen := map[string]bool{}
	events, posts := 0, 0
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		// The last id of a POST, once: a repeat is not counted again.
		if id := r.Header.Get(webhook.HeaderEventID); !seen[id] {
			seen[id] = true
			posts++
			events++
			if n, err := strconv.Atoi(r.Header.Get(webhook.HeaderBatch)); err == nil {
				events += n - 1
			}
			if events == b.N {
				close(done)
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	m, err := webhook.Start(context.Background(), webhook.Config{Store: st, Events: c, Log: testkit.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Add(webhook.Spec{URL: srv.URL, Secret: "0123456789abcdef", Batch: batch}); err != nil {
		b.Fatal(err)
	}
	data := []byte(`{"event":"MessageNew","mailbox":"user.alice","uidnext":2,"messages":1,"vnd.cmu.unseenMessages":1}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		n := min(512, b.N-i)
		msgs := make([]pipeline.EventMessage, n)
		for j := range msgs {
			msgs[j] = pipeline.EventMessage{ID: strconv.Itoa(i + j), MailboxID: "mb1", Type: "MessageNew", Data: data}
		}
		if acked, err := c.PublishOrdered(context.Background(), msgs); acked != n {
			b.Fatalf("publish: %d of %d, %v", acked, n, err)
		}
		i += n
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		mu.Lock()
		defer mu.Unlock()
		b.Fatalf("%d of %d events delivered", events, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	mu.Lock()
	b.ReportMetric(float64(b.N)/float64(posts), "events/POST")
	mu.Unlock()
}
