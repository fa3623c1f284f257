package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chapar/pipeline"
)

// submit through the Submitter, as ingest does, watching the outcome.
func (b *testBus) submitWatched(job *pipeline.Job) pipeline.Ticket {
	b.t.Helper()
	ticket, err := b.conn.Submit(b.ctx, job, true)
	if err != nil {
		b.t.Fatalf("submit: %v", err)
	}
	b.t.Cleanup(ticket.Close)
	return ticket
}

func await(tb testing.TB, ticket pipeline.Ticket) (pipeline.Outcome, bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return ticket.Await(ctx)
}

func TestTicketReturnsTheOutcome(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	b.threeStages("p1")
	job := newJob("p1")
	o, ok := await(t, b.submitWatched(job))
	if !ok || o.JobID != job.ID || len(o.Results) != 2 || o.TempFail {
		t.Fatalf("outcome %+v ok=%v, want the final outcome of job %s", o, ok, job.ID)
	}
	for i, r := range o.Results {
		if r.Code != 250 || r.Text != "Ok via INBOX/plus/dup/deliver" {
			t.Errorf("recipient %d: %+v, want 250 after every stage", i, r)
		}
	}
}

// The ticket takes an offered temporary failure itself and returns it; the
// job then ends at the failing stage.
func TestTicketTakesAnOfferedTemporaryFailure(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	b.offerTimeout = time.Minute
	_, dup, del := b.threeStages("p1")
	var failing string
	dup.fail = func(job *pipeline.Job, _ int) error {
		if job.ID == failing {
			return errors.New("partition full")
		}
		return nil
	}
	job := newJob("p1")
	failing = job.ID
	o, ok := await(t, b.submitWatched(job))
	if !ok || !o.TempFail {
		t.Fatalf("outcome %+v ok=%v, want the offered temporary failure", o, ok)
	}
	for i, r := range o.Results {
		if r.Code != 451 || r.Enhanced != "4.3.0" {
			t.Errorf("result %d: %+v, want 451 4.3.0", i, r)
		}
	}
	b.checkDroppedAfterTaken(dup, del, job.ID, "the ticket")
}

// A ticket that was not asked to watch reports nothing, at once; the job is
// delivered all the same.
func TestUnwatchedTicketReportsNothing(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	_, _, del := b.threeStages("p1")
	job := newJob("p1")
	ticket, err := b.conn.Submit(b.ctx, job, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ticket.Close()
	if o, ok := await(t, ticket); ok {
		t.Errorf("an unwatched ticket returned %+v", o)
	}
	deadline := time.Now().Add(time.Minute)
	for del.count(job.ID) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the unwatched job was delivered %d times, want once", del.count(job.ID))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Past the caller's bound Await gives up; a failure offered to a ticket
// nobody awaits any more is not taken, and the job is retried until it is
// delivered, as the 250 on the durable queue promised.
func TestTicketPastItsBoundLeavesTheJobQueued(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	_, dup, del := b.threeStages("p1")
	release := make(chan struct{})
	dup.fail = func(_ *pipeline.Job, attempt int) error {
		if attempt == 1 {
			<-release
			return errors.New("briefly unavailable")
		}
		return nil
	}
	job := newJob("p1")
	ticket := b.submitWatched(job)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if o, ok := ticket.Await(ctx); ok {
		t.Fatalf("Await past its bound returned %+v", o)
	}
	ticket.Close() // as the LMTP session does once it answered 250
	sub := b.watch(job)
	close(release)
	if o := outcome(t, sub); o.Results[0].Code != 250 {
		t.Errorf("outcome after the retry: %+v, want 250", o.Results[0])
	}
	if dup.count(job.ID) != 2 || del.count(job.ID) != 1 {
		t.Errorf("dup saw the job %d times, deliver %d; want 2 and 1", dup.count(job.ID), del.count(job.ID))
	}
}
