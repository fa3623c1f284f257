package bus_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"chapar/pipeline"
	"chapar/pipeline/bustest"
)

// BenchmarkEventConsumersLive: readers (webhooks posting batches of up to
// 100) follow events published one at a time, as deliveries publish
// them. cpu-µs/event is the CPU the whole process (the embedded server,
// the publisher, the readers) spent per event; readers=3 minus readers=0
// is what attaching three webhooks costs the mail flow on the same cores.
func BenchmarkEventConsumersLive(b *testing.B) {
	for _, readers := range []int{0, 3} {
		b.Run("readers="+strconv.Itoa(readers), func(b *testing.B) { benchmarkEventConsumersLive(b, readers) })
	}
}

func benchmarkEventConsumersLive(b *testing.B, readers int) {
	c := bustest.Start(b, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got atomic.Int64
	done := make(chan error, readers)
	for i := range readers {
		ec := pipeline.EventConsumer{Name: "bench-live-" + strconv.Itoa(i), Batch: 100, AckWait: 30 * time.Second}
		go func() {
			done <- c.ConsumeEvents(ctx, ec, func(_ context.Context, evs []pipeline.LoggedEvent) error {
				got.Add(int64(len(evs)))
				return nil
			})
		}()
	}
	time.Sleep(200 * time.Millisecond) // the consumers exist before the first event
	tick := time.NewTicker(500 * time.Microsecond)
	defer tick.Stop()
	base := eventIDs.Add(int64(b.N))
	b.ResetTimer()
	cpu0 := processCPU()
	for i := range b.N {
		<-tick.C
		id := strconv.FormatInt(base-int64(b.N)+int64(i), 10)
		if n, err := c.PublishOrdered(ctx, []pipeline.EventMessage{{ID: "live-" + id, MailboxID: "mb", Type: "MessageNew", Data: []byte(`{"event":"MessageNew"}`)}}); n != 1 || err != nil {
			b.Fatalf("publish: %d, %v", n, err)
		}
	}
	for got.Load() < int64(readers*b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/event")
	cancel()
	for range readers {
		<-done
	}
}

// processCPU is the user and system CPU this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
