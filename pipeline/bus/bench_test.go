package bus_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

type passStage struct{}

func (passStage) Process(context.Context, *pipeline.Job) error { return nil }

// BenchmarkPipelineHop measures one stage hop: a 4 KB job published to the
// first stage, taken by its runner, handed on to the next stage's subject,
// until that stage's consumer holds it. Allocations count the embedded
// server too: it runs in the benchmark's process.
func BenchmarkPipelineHop(b *testing.B) {
	tb := startBus(b)
	tb.run(pipeline.StagePlusAddress, "bench", passStage{})

	next, err := tb.js.CreateOrUpdateConsumer(tb.ctx, pipeline.StreamJobs, jetstream.ConsumerConfig{
		Durable:       pipeline.ConsumerName(pipeline.StageDuplicate, "bench"),
		FilterSubject: pipeline.StageSubject(pipeline.StageDuplicate, "bench"),
		AckPolicy:     jetstream.AckExplicitPolicy,
	})
	if err != nil {
		b.Fatal(err)
	}
	arrived := make(chan string, 1)
	cc, err := next.Consume(func(m jetstream.Msg) {
		job, err := pipeline.DecodeJob(m.Data())
		if err != nil {
			b.Error(err)
			return
		}
		m.Ack()
		arrived <- job.ID
	})
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()

	job := newJob("bench")
	job.Body = bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01\r\n"), 4096/66+1)[:4096]
	subject := pipeline.StageSubject(pipeline.FirstStage(), "bench")
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(job.Body)))
	for b.Loop() {
		job.ID = pipeline.NewJobID()
		data, err := job.Encode()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tb.js.Publish(ctx, subject, data, jetstream.WithMsgID(job.ID)); err != nil {
			b.Fatal(err)
		}
		select {
		case id := <-arrived:
			if id != job.ID {
				b.Fatalf("next stage got job %s, want %s", id, job.ID)
			}
		case <-time.After(time.Minute):
			b.Fatalf("job %s never reached the next stage", job.ID)
		}
	}
}
