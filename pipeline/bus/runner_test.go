package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testBus is the real embedded JetStream with stage runners on it.
type testBus struct {
	t    testing.TB
	conn *bus.Conn
	js   jetstream.JetStream
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	// offerTimeout is the runners' wait for a session to take an offered
	// failure: short, since most tests take none, and so a retry is not
	// held up by an offer nobody answers.
	offerTimeout time.Duration
}

// startBus starts the embedded engine in a temporary directory; run adds
// stages. Everything stops when the test ends.
func startBus(tb testing.TB) *testBus {
	tb.Helper()
	return startBusInline(tb, 0)
}

// startBusInline is startBus with the bus's InlineMax set (0: the default).
func startBusInline(tb testing.TB, inlineMax int) *testBus {
	tb.Helper()
	c := bustest.StartWith(tb, quiet(), func(cfg *bus.Config) { cfg.InlineMax = inlineMax })
	ctx, stop := context.WithCancel(context.Background())
	b := &testBus{t: tb, conn: c, js: c.JetStream(), ctx: ctx, stop: stop, offerTimeout: 50 * time.Millisecond}
	tb.Cleanup(func() {
		stop()
		b.wg.Wait()
	})
	return b
}

// testRetryBackoff keeps retries fast; the runner's default unit is 1s.
const testRetryBackoff = 5 * time.Millisecond

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func (b *testBus) run(stage, partition string, s pipeline.Stage, then ...pipeline.Step) {
	r := bus.NewRunner(b.conn, bus.RunnerConfig{Stage: stage, Partition: partition, Workers: 2, Then: then,
		RetryBackoff: testRetryBackoff, OfferTimeout: b.offerTimeout, Log: quiet()}, s)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		if err := r.Run(b.ctx); err != nil {
			b.t.Errorf("runner %s: %v", stage, err)
		}
	}()
}

// submit publishes a job to the first stage, as ingest does, and returns a
// subscription to its outcome.
func (b *testBus) submit(job *pipeline.Job) *nats.Subscription {
	b.t.Helper()
	sub := b.watch(job)
	data, err := job.Encode()
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.js.Publish(b.ctx, pipeline.StageSubject(pipeline.FirstStage(), job.Partition), data,
		jetstream.WithMsgID(job.ID)); err != nil {
		b.t.Fatalf("publish job: %v", err)
	}
	return sub
}

// watch subscribes to a job's outcome subject.
func (b *testBus) watch(job *pipeline.Job) *nats.Subscription {
	b.t.Helper()
	sub, err := b.conn.NATS().SubscribeSync(pipeline.OutcomeSubject(job.ID))
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { sub.Unsubscribe() })
	return sub
}

// outcome waits for the final outcome of a job, as a session that has
// stopped waiting would see it: offers of a temporary failure (requests)
// go unanswered. The bound only keeps a broken pipeline from hanging the
// test.
func outcome(tb testing.TB, sub *nats.Subscription) pipeline.Outcome {
	tb.Helper()
	for {
		m, err := sub.NextMsg(time.Minute)
		if err != nil {
			tb.Fatalf("no outcome on %s: %v", sub.Subject, err)
		}
		if m.Reply != "" {
			continue
		}
		return decodeOutcome(tb, m)
	}
}

func decodeOutcome(tb testing.TB, m *nats.Msg) pipeline.Outcome {
	tb.Helper()
	var o pipeline.Outcome
	if err := json.Unmarshal(m.Data, &o); err != nil {
		tb.Fatalf("outcome %q: %v", m.Data, err)
	}
	return o
}

// countingStage appends its name to each pending recipient's mailbox (so
// the outcome shows the road taken) and counts what it saw. The last stage
// settles the recipients. fail, when set, decides an attempt's error.
type countingStage struct {
	name   string
	last   bool
	fail   func(job *pipeline.Job, attempt int) error
	mu     sync.Mutex
	counts map[string]int
	seen   chan string
}

func newCountingStage(name string, last bool) *countingStage {
	return &countingStage{name: name, last: last, counts: map[string]int{}, seen: make(chan string, 100)}
}

func (c *countingStage) Process(ctx context.Context, job *pipeline.Job) error {
	c.mu.Lock()
	c.counts[job.ID]++
	attempt := c.counts[job.ID]
	c.mu.Unlock()
	c.seen <- job.ID
	if c.fail != nil {
		if err := c.fail(job, attempt); err != nil {
			return err
		}
	}
	for _, i := range job.Pending() {
		r := &job.Recipients[i]
		r.Mailbox += "/" + c.name
		if c.last {
			r.Done = true
			r.Result = pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok via " + r.Mailbox}
		}
	}
	return nil
}

func (c *countingStage) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[id]
}

func newJob(partition string) *pipeline.Job {
	return &pipeline.Job{
		ID: pipeline.NewJobID(), Received: time.Now().UTC(), MailFrom: "sender@example.org", Partition: partition,
		Recipients: []pipeline.Recipient{
			{Address: "alice@example.com", User: "alice", Mailbox: "INBOX"},
			{Address: "bob@example.com", User: "bob", Mailbox: "INBOX"},
		},
		Body: []byte("Subject: test\r\n\r\nhello\r\n"),
	}
}

// threeStages runs a counting stage under each stage name.
func (b *testBus) threeStages(partition string) (plus, dup, del *countingStage) {
	plus = newCountingStage("plus", false)
	dup = newCountingStage("dup", false)
	del = newCountingStage("deliver", true)
	b.run(pipeline.StagePlusAddress, partition, plus)
	b.run(pipeline.StageDuplicate, partition, dup)
	b.run(pipeline.StageSieve, partition, passStage{})
	b.run(pipeline.StageQuota, partition, passStage{})
	b.run(pipeline.StageDeliver, partition, del)
	return plus, dup, del
}

func TestRunnerPassesAJobThroughEveryStage(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	plus, dup, del := b.threeStages("p1")

	job := newJob("p1")
	o := outcome(t, b.submit(job))
	if o.JobID != job.ID || len(o.Results) != 2 {
		t.Fatalf("outcome %+v, want two results for job %s", o, job.ID)
	}
	for i, r := range o.Results {
		if r.Code != 250 || r.Text != "Ok via INBOX/plus/dup/deliver" {
			t.Errorf("recipient %d: %+v, want 250 after plus, dup and deliver in that order", i, r)
		}
	}
	for _, s := range []*countingStage{plus, dup, del} {
		if n := s.count(job.ID); n != 1 {
			t.Errorf("stage %s saw the job %d times, want once", s.name, n)
		}
	}
}

func TestRunnerReportsEarlyWhenNoRecipientIsLeft(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	plus, dup, del := b.threeStages("p1")
	// The duplicate stage settles everyone: deliver never sees the job.
	dup.fail = func(job *pipeline.Job, _ int) error {
		for i := range job.Recipients {
			job.Recipients[i].Done = true
			job.Recipients[i].Result = pipeline.Result{Code: 250, Enhanced: "2.0.0", Text: "duplicate"}
		}
		return nil
	}
	job := newJob("p1")
	o := outcome(t, b.submit(job))
	if o.Results[0].Text != "duplicate" || o.Results[1].Text != "duplicate" {
		t.Errorf("outcome %+v, want both settled by the duplicate stage", o)
	}
	// A second job that goes all the way proves the first did not follow.
	dup.fail = nil
	later := newJob("p1")
	outcome(t, b.submit(later))
	if plus.count(job.ID) != 1 || del.count(job.ID) != 0 {
		t.Errorf("plus saw the settled job %d times, deliver %d; want 1 and 0", plus.count(job.ID), del.count(job.ID))
	}
}

func TestRunnerRedeliversAfterATransientError(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	plus, dup, del := b.threeStages("p1")
	dup.fail = func(_ *pipeline.Job, attempt int) error {
		if attempt == 1 {
			return errors.New("store briefly unavailable")
		}
		return nil
	}
	job := newJob("p1")
	o := outcome(t, b.submit(job))
	if o.Results[0].Code != 250 || o.Results[0].Text != "Ok via INBOX/plus/dup/deliver" {
		t.Errorf("outcome after a retry: %+v", o.Results[0])
	}
	if plus.count(job.ID) != 1 || dup.count(job.ID) != 2 || del.count(job.ID) != 1 {
		t.Errorf("attempts plus %d, dup %d, deliver %d; want 1, 2 (failed once), 1",
			plus.count(job.ID), dup.count(job.ID), del.count(job.ID))
	}
}

// A session still waiting takes the offered temporary failure: it answers
// 451 and the MTA will try again, so the job must end here.
func TestRunnerEndsAJobWhoseTemporaryFailureTheSessionTook(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	b.offerTimeout = time.Minute // the test takes the offer; it must not be withdrawn first
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
	sub := b.submit(job)
	m, err := sub.NextMsg(time.Minute)
	if err != nil {
		t.Fatalf("no offer: %v", err)
	}
	o := decodeOutcome(t, m)
	if m.Reply == "" || !o.TempFail {
		t.Fatalf("first message for the job: %+v (reply %q), want an offer of a temporary failure", o, m.Reply)
	}
	for i, r := range o.Results {
		if r.Code != 451 || r.Enhanced != "4.3.0" {
			t.Errorf("offered result %d: %+v, want 451 4.3.0", i, r)
		}
	}
	if err := m.Respond([]byte(bus.OutcomeTaken)); err != nil {
		t.Fatal(err)
	}
	b.checkDroppedAfterTaken(dup, del, job.ID, "the session")
}

// A stage failing because the disk is full offers 452 4.3.1, "insufficient
// system storage", rather than the generic 451.
func TestRunnerOffers452WhenTheDiskIsFull(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	b.offerTimeout = time.Minute
	_, dup, del := b.threeStages("p1")
	var failing string
	dup.fail = func(job *pipeline.Job, _ int) error {
		if job.ID == failing {
			return fmt.Errorf("put body: write seg-1: %w", &os.PathError{Op: "write", Path: "seg-1", Err: syscall.ENOSPC})
		}
		return nil
	}
	job := newJob("p1")
	failing = job.ID
	sub := b.submit(job)
	m, err := sub.NextMsg(time.Minute)
	if err != nil {
		t.Fatalf("no offer: %v", err)
	}
	o := decodeOutcome(t, m)
	for i, r := range o.Results {
		if r.Code != 452 || r.Enhanced != "4.3.1" {
			t.Errorf("offered result %d: %+v, want 452 4.3.1", i, r)
		}
	}
	if err := m.Respond([]byte(bus.OutcomeTaken)); err != nil {
		t.Fatal(err)
	}
	b.checkDroppedAfterTaken(dup, del, job.ID, "the session")
}

func TestRunnerTerminatesAJobOnAPermanentError(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	_, dup, del := b.threeStages("p1")
	var refused string
	dup.fail = func(job *pipeline.Job, _ int) error {
		if job.ID == refused {
			return pipeline.Permanent(errors.New("this can never work"))
		}
		return nil
	}
	job := newJob("p1")
	refused = job.ID
	sub := b.submit(job)

	// The session waiting on the job learns that it failed for good, so
	// that it answers 5xx instead of 250 for mail that will never arrive.
	o := outcome(t, sub)
	for i, r := range o.Results {
		if r.Code < 500 || r.Code > 599 || r.Enhanced == "" || r.Enhanced[0] != '5' {
			t.Errorf("recipient %d of a permanently failed job: %+v, want a 5xx result", i, r)
		}
	}

	// The job is gone from the stage's queue: terminated, not redelivered.
	b.waitDrained(pipeline.StageDuplicate, "p1")
	later := newJob("p1")
	if o := outcome(t, b.submit(later)); o.Results[0].Code != 250 {
		t.Errorf("the next job: %+v", o.Results[0])
	}
	b.waitDrained(pipeline.StageDuplicate, "p1")
	if n := dup.count(job.ID); n != 1 {
		t.Errorf("the refused job was processed %d times, want once", n)
	}
	if n := del.count(job.ID); n != 0 {
		t.Errorf("the refused job reached deliver %d times", n)
	}
}

func TestRunnerDropsAnUndecodableJob(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	plus, _, _ := b.threeStages("p1")
	if _, err := b.js.Publish(b.ctx, pipeline.StageSubject(pipeline.FirstStage(), "p1"), []byte("garbage without a header line")); err != nil {
		t.Fatal(err)
	}
	good := newJob("p1")
	outcome(t, b.submit(good))
	b.waitDrained(pipeline.StagePlusAddress, "p1")
	plus.mu.Lock()
	n := len(plus.counts)
	plus.mu.Unlock()
	if n != 1 {
		t.Errorf("the stage was handed %d distinct jobs, want only the good one", n)
	}
}

// waitDrained waits until a stage's consumer holds nothing: nothing
// pending, nothing unacknowledged.
func (b *testBus) waitDrained(stage, partition string) {
	b.t.Helper()
	testkit.CheckFor(b.t, time.Minute, func() error {
		cons, err := b.js.Consumer(b.ctx, pipeline.StreamJobs, pipeline.ConsumerName(stage, partition))
		if err != nil {
			return err
		}
		info, err := cons.Info(b.ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("consumer %s still holds %d pending, %d unacknowledged", info.Name, info.NumPending, info.NumAckPending)
		}
		return nil
	})
}

// checkDroppedAfterTaken asserts that once an offered temporary failure
// was taken, the job ended at the duplicate stage: a later job draining
// through proves the queue moved on without redelivering it.
func (b *testBus) checkDroppedAfterTaken(dup, del *countingStage, jobID, taker string) {
	b.t.Helper()
	b.waitDrained(pipeline.StageDuplicate, "p1")
	outcome(b.t, b.submit(newJob("p1")))
	b.waitDrained(pipeline.StageDuplicate, "p1")
	if dup.count(jobID) != 1 || del.count(jobID) != 0 {
		b.t.Errorf("after %s took the failure: dup saw the job %d times, deliver %d; want 1 and 0",
			taker, dup.count(jobID), del.count(jobID))
	}
}

// A runner that fuses the stages after its own applies them in the same
// hop: the job never reaches the later stages' queues.
func TestRunnerAppliesFusedStagesInOneHop(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	plus := newCountingStage("plus", false)
	dup := newCountingStage("dup", false)
	del := newCountingStage("deliver", true)
	queuedDup := newCountingStage("queued-dup", false)
	queuedDel := newCountingStage("queued-deliver", true)
	b.run(pipeline.StagePlusAddress, "p1", plus,
		pipeline.Step{Name: pipeline.StageDuplicate, Stage: dup}, pipeline.Step{Name: pipeline.StageSieve, Stage: passStage{}},
		pipeline.Step{Name: pipeline.StageQuota, Stage: passStage{}}, pipeline.Step{Name: pipeline.StageDeliver, Stage: del})
	b.run(pipeline.StageDuplicate, "p1", queuedDup)
	b.run(pipeline.StageDeliver, "p1", queuedDel)

	job := newJob("p1")
	o := outcome(t, b.submit(job))
	if o.Results[0].Code != 250 || o.Results[0].Text != "Ok via INBOX/plus/dup/deliver" {
		t.Fatalf("outcome %+v, want 250 after plus, dup and deliver in the one runner", o.Results[0])
	}
	if queuedDup.count(job.ID) != 0 || queuedDel.count(job.ID) != 0 {
		t.Errorf("the queued stages saw the job (dup %d, deliver %d); want a single hop", queuedDup.count(job.ID), queuedDel.count(job.ID))
	}
}

// A chain that skips a stage is refused: the skipped stage would never run.
func TestRunnerRefusesAChainWithAGap(t *testing.T) {
	t.Parallel()
	b := startBus(t)
	r := bus.NewRunner(b.conn, bus.RunnerConfig{Stage: pipeline.StagePlusAddress, Partition: "p1", Log: quiet(),
		Then: []pipeline.Step{{Name: pipeline.StageDeliver, Stage: newCountingStage("deliver", true)}}}, newCountingStage("plus", false))
	if err := r.Run(b.ctx); err == nil {
		t.Fatal("Run accepted plusaddr followed directly by deliver")
	}
}
