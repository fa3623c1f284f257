package embedded_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"
)

// settle is a last stage that answers 250 for every pending recipient.
type settle struct{}

func (settle) Process(_ context.Context, job *pipeline.Job) error {
	for _, i := range job.Pending() {
		job.Recipients[i].Done = true
		job.Recipients[i].Result = pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok"}
	}
	return nil
}

type pass struct{}

func (pass) Process(context.Context, *pipeline.Job) error { return nil }

// A worker process, attached over TCP with the worker role only, runs every
// stage while chapar's own connection submits: the role's subjects are
// enough for the runner's whole path (bind the consumer, fetch, hand on,
// ack, report the outcome).
func TestWorkerRoleRunsTheStages(t *testing.T) {
	t.Parallel()
	e := startEdge(t, embedded.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := bus.Connect(ctx, bus.Config{URL: e.url, User: "stage-worker", Password: workerPassword, Log: testkit.Quiet()})
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	defer w.Close()

	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()
	stages := map[string]pipeline.Stage{pipeline.StagePlusAddress: pass{}, pipeline.StageDuplicate: pass{}, pipeline.StageSieve: pass{}, pipeline.StageQuota: pass{}, pipeline.StageDeliver: settle{}}
	for name, s := range stages {
		r := bus.NewRunner(w, bus.RunnerConfig{Stage: name, Partition: "default", Workers: 1, Log: testkit.Quiet()}, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(run); err != nil {
				t.Errorf("worker runner %s: %v", name, err)
			}
		}()
	}

	job := &pipeline.Job{ID: pipeline.NewJobID(), Received: time.Now(), Partition: "default",
		Recipients: []pipeline.Recipient{{Address: "alice@example.com", User: "alice", Mailbox: "user.alice"}},
		Body:       []byte("Subject: hi\r\n\r\nhello\r\n")}
	ticket, err := e.chap.Submit(ctx, job, true)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	defer ticket.Close()
	o, ok := ticket.Await(ctx)
	if !ok || len(o.Results) != 1 || o.Results[0].Code != 250 {
		t.Fatalf("outcome %+v (%v), want 250 from the worker's deliver stage", o, ok)
	}
}
