package bus_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// bodyStage wraps a stage and keeps the body each job showed it, and,
// as deliver does, can tell a job it applied (pipeline.ReplayChecker).
type bodyStage struct {
	*countingStage
	mu      sync.Mutex
	bodies  map[string][]byte
	applied map[string]bool // what Applied answers
	asked   map[string]int  // how often Applied was asked
}

func newBodyStage(name string, last bool) *bodyStage {
	return &bodyStage{countingStage: newCountingStage(name, last),
		bodies: map[string][]byte{}, applied: map[string]bool{}, asked: map[string]int{}}
}

func (s *bodyStage) Process(ctx context.Context, job *pipeline.Job) error {
	s.mu.Lock()
	s.bodies[job.ID] = bytes.Clone(job.Body)
	s.mu.Unlock()
	return s.countingStage.Process(ctx, job)
}

func (s *bodyStage) Applied(ctx context.Context, job *pipeline.Job) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked[job.ID]++
	return s.applied[job.ID], nil
}

// blindStage is a bodyStage that declares it never reads the body
// (pipeline.BodyBlind), as plus-addressing does.
type blindStage struct{ *bodyStage }

func (blindStage) IgnoresBody() {}

func (s *bodyStage) body(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[id]
}

func (s *bodyStage) timesAsked(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[id]
}

// bigJob is a job whose body is n bytes of mail-like lines.
func bigJob(partition string, n int) *pipeline.Job {
	job := newJob(partition)
	line := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01\r\n")
	job.Body = append([]byte("Subject: big\r\n\r\n"), bytes.Repeat(line, n/len(line)+1)...)[:n]
	return job
}

// queued returns the job as it waits on the first stage's subject.
func (b *testBus) queued(partition string) *jetstream.RawStreamMsg {
	b.t.Helper()
	st, err := b.js.Stream(b.ctx, pipeline.StreamJobs)
	if err != nil {
		b.t.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(b.ctx, pipeline.StageSubject(pipeline.FirstStage(), partition))
	if err != nil {
		b.t.Fatalf("the queued job: %v", err)
	}
	return m
}

func (b *testBus) bodies() jetstream.ObjectStore {
	b.t.Helper()
	obs, err := b.js.ObjectStore(b.ctx, pipeline.BucketBodies)
	if err != nil {
		b.t.Fatalf("bucket %s: %v", pipeline.BucketBodies, err)
	}
	return obs
}

// A body over the inline limit goes into the bodies bucket; the job on the
// queue names it, every stage that reads bodies (run apart, so the job
// makes three hops) sees the whole body, a body-blind one is not made to
// fetch it, and once the job ends the object is deleted.
func TestSubmitSendsALargeBodyOutOfBand(t *testing.T) {
	t.Parallel()
	const inlineMax = 16 << 10
	b := startBusInline(t, inlineMax)
	job := bigJob("p1", 200<<10)
	ticket := b.submitWatched(job)
	if job.BodyRef != "" {
		t.Errorf("Submit changed the caller's job: BodyRef %q", job.BodyRef)
	}

	raw := b.queued("p1")
	queued, err := pipeline.DecodeJob(raw.Data)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Data) > inlineMax || queued.BodyRef != job.ID || queued.Body != nil {
		t.Fatalf("queued job: %d bytes, BodyRef %q, %d body bytes; want the header line alone naming %s",
			len(raw.Data), queued.BodyRef, len(queued.Body), job.ID)
	}
	info, err := b.bodies().GetInfo(b.ctx, job.ID)
	if err != nil || info.Size != uint64(len(job.Body)) {
		t.Fatalf("object %s: %+v, %v; want %d bytes", job.ID, info, err, len(job.Body))
	}

	plus, dup, del := blindStage{newBodyStage("plus", false)}, newBodyStage("dup", false), newBodyStage("deliver", true)
	b.run(pipeline.StagePlusAddress, "p1", plus)
	b.run(pipeline.StageDuplicate, "p1", dup)
	b.run(pipeline.StageSieve, "p1", newBodyStage("sieve", false))
	b.run(pipeline.StageQuota, "p1", newBodyStage("quota", false))
	b.run(pipeline.StageDeliver, "p1", del)
	o, ok := await(t, ticket)
	if !ok || o.Results[0].Code != 250 || o.Results[1].Code != 250 {
		t.Fatalf("outcome %+v (%v), want 250 for both", o, ok)
	}
	if got := plus.body(job.ID); got != nil || plus.count(job.ID) != 1 {
		t.Errorf("the body-blind stage ran %d times and was given %d body bytes; want once, none", plus.count(job.ID), len(got))
	}
	for _, s := range []*bodyStage{dup, del} {
		if got := s.body(job.ID); !bytes.Equal(got, job.Body) {
			t.Errorf("stage %s saw a body of %d bytes, want the %d submitted", s.name, len(got), len(job.Body))
		}
	}
	testkit.CheckFor(t, time.Minute, func() error {
		if _, err := b.bodies().GetInfo(b.ctx, job.ID); !errors.Is(err, jetstream.ErrObjectNotFound) {
			return errors.New("the body of the ended job is still in the bucket")
		}
		return nil
	})
}

// The common case is untouched: a small body travels inside its job and
// the bucket stays empty.
func TestSmallMessageTravelsInline(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	job := newJob("p1")
	ticket := b.submitWatched(job)
	queued, err := pipeline.DecodeJob(b.queued("p1").Data)
	if err != nil {
		t.Fatal(err)
	}
	if queued.BodyRef != "" || !bytes.Equal(queued.Body, job.Body) {
		t.Errorf("queued job: BodyRef %q, body %q; want the body inline", queued.BodyRef, queued.Body)
	}
	if _, err := b.bodies().List(b.ctx); !errors.Is(err, jetstream.ErrNoObjectsFound) {
		t.Errorf("bucket listing: %v; want no objects", err)
	}
	b.threeStages("p1")
	if o, ok := await(t, ticket); !ok || o.Results[0].Code != 250 {
		t.Errorf("outcome %+v (%v), want 250", o, ok)
	}
}

// A job whose body is gone and which no stage applied can never be
// delivered: it fails for good, 554 5.3.0 to the session waiting on it,
// and leaves the queue without reaching any stage.
func TestJobWithAMissingBodyFailsPermanently(t *testing.T) {
	t.Parallel()
	b := startBusInline(t, 1<<10)
	job := bigJob("p1", 8<<10)
	ticket := b.submitWatched(job)
	if err := b.bodies().Delete(b.ctx, job.ID); err != nil {
		t.Fatalf("delete the body: %v", err)
	}
	del := newBodyStage("deliver", true)
	plus := newBodyStage("plus", false)
	b.run(pipeline.StagePlusAddress, "p1", plus,
		pipeline.Step{Name: pipeline.StageDuplicate, Stage: newBodyStage("dup", false)},
		pipeline.Step{Name: pipeline.StageSieve, Stage: newBodyStage("sieve", false)},
		pipeline.Step{Name: pipeline.StageQuota, Stage: newBodyStage("quota", false)},
		pipeline.Step{Name: pipeline.StageDeliver, Stage: del})
	o, ok := await(t, ticket)
	if !ok {
		t.Fatal("no outcome for the job without its body")
	}
	for i, r := range o.Results {
		if r.Code != 554 || r.Enhanced != "5.3.0" {
			t.Errorf("recipient %d: %+v, want 554 5.3.0", i, r)
		}
	}
	b.waitDrained(pipeline.StagePlusAddress, "p1")
	if plus.count(job.ID) != 0 || del.count(job.ID) != 0 {
		t.Errorf("stages ran a job without its body: plus %d, deliver %d", plus.count(job.ID), del.count(job.ID))
	}
	if del.timesAsked(job.ID) == 0 {
		t.Error("deliver was never asked whether it had applied the job")
	}
}

// A job that comes again after its body was deleted (its acknowledgement
// lost on the way) was applied: deliver says so, and the job is
// acknowledged quietly, neither refused nor run again.
func TestReplayOfAnAppliedJobWithoutItsBodyIsAcknowledged(t *testing.T) {
	t.Parallel()
	b := startBusInline(t, 1<<10)
	job := bigJob("p1", 8<<10)
	sub := b.watch(job)
	b.submitWatched(job)
	if err := b.bodies().Delete(b.ctx, job.ID); err != nil {
		t.Fatalf("delete the body: %v", err)
	}
	plus, del := newBodyStage("plus", false), newBodyStage("deliver", true)
	del.applied[job.ID] = true
	b.run(pipeline.StagePlusAddress, "p1", plus,
		pipeline.Step{Name: pipeline.StageDuplicate, Stage: newBodyStage("dup", false)},
		pipeline.Step{Name: pipeline.StageSieve, Stage: newBodyStage("sieve", false)},
		pipeline.Step{Name: pipeline.StageQuota, Stage: newBodyStage("quota", false)},
		pipeline.Step{Name: pipeline.StageDeliver, Stage: del})
	b.waitDrained(pipeline.StagePlusAddress, "p1")

	// A later job through the same runner: its outcome comes after any
	// the replay could have sent, on the same connection.
	later := bigJob("p1", 8<<10)
	if o, ok := await(t, b.submitWatched(later)); !ok || o.Results[0].Code != 250 {
		t.Fatalf("later job: %+v (%v)", o, ok)
	}
	if n, _, _ := sub.Pending(); n != 0 {
		t.Errorf("the replay sent %d outcomes, want none (it was answered the first time)", n)
	}
	if plus.count(job.ID) != 0 || del.count(job.ID) != 0 || del.timesAsked(job.ID) != 1 {
		t.Errorf("replay: plus ran %d, deliver ran %d, deliver asked %d; want 0, 0, 1",
			plus.count(job.ID), del.count(job.ID), del.timesAsked(job.ID))
	}
}

// A job that ends in a temporary failure its session took loses its body
// too: the MTA sends the message again, under a new job.
func TestTakenTemporaryFailureDeletesTheBody(t *testing.T) {
	t.Parallel()
	b := startBusInline(t, 1<<10)
	b.offerTimeout = time.Minute // the ticket takes the offer; it must not be withdrawn first
	job := bigJob("p1", 8<<10)
	ticket := b.submitWatched(job)
	del := newBodyStage("deliver", true)
	del.fail = func(*pipeline.Job, int) error { return errors.New("partition full") }
	b.run(pipeline.StagePlusAddress, "p1", blindStage{newBodyStage("plus", false)},
		pipeline.Step{Name: pipeline.StageDuplicate, Stage: blindStage{newBodyStage("dup", false)}},
		pipeline.Step{Name: pipeline.StageSieve, Stage: blindStage{newBodyStage("sieve", false)}},
		pipeline.Step{Name: pipeline.StageQuota, Stage: blindStage{newBodyStage("quota", false)}},
		pipeline.Step{Name: pipeline.StageDeliver, Stage: del})
	o, ok := await(t, ticket)
	if !ok || !o.TempFail || o.Results[0].Code != 451 {
		t.Fatalf("outcome %+v (%v), want the offered 451 taken", o, ok)
	}
	b.waitDrained(pipeline.StagePlusAddress, "p1")
	testkit.CheckFor(t, time.Minute, func() error {
		if _, err := b.bodies().GetInfo(b.ctx, job.ID); !errors.Is(err, jetstream.ErrObjectNotFound) {
			return errors.New("the body of the job that ended in 451 is still in the bucket")
		}
		return nil
	})
	if n := del.count(job.ID); n != 1 {
		t.Errorf("deliver ran the job %d times, want once", n)
	}
}
