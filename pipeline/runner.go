package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stage is one step of the pipeline. Process reads and may change the job;
// the runner hands the job on to the next stage (or reports its outcome
// after the last) and only then acknowledges it, so a stage's effect is
// committed before the job leaves its queue.
//
// Process must be idempotent: after a crash the same job comes again.
type Stage interface {
	Process(ctx context.Context, job *Job) error
}

// Permanent wraps an error that retrying will not cure; the job is
// terminated (and logged) instead of redelivered.
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// RunnerConfig configures one stage's consumer.
type RunnerConfig struct {
	Stage     string
	Partition string
	// Workers process jobs concurrently; the deliver stage relies on this
	// for group commit.
	Workers int
	// Then are the stages that follow Stage in pipeline order and run in
	// this process too: the runner applies them to the job in the same hop
	// (see Step). Empty: every job is handed on over JetStream.
	Then []Step
	Log  *slog.Logger
}

// Step names a stage for a fused chain.
//
// Stages that run in one process are applied in one hop: the job is
// acknowledged on its first stage's queue only after the last stage of
// the chain has committed and the job was handed on (or its outcome
// reported), so a crash replays the whole chain, which every stage
// tolerates (Process is idempotent). A stage run elsewhere breaks the
// chain: the job goes to its subject, where that process consumes it.
// Every stage of the chain keeps its own consumer as well, for jobs that
// other processes hand to it.
type Step struct {
	Name  string
	Stage Stage
}

// Runner drives a Stage from its durable consumer.
type Runner struct {
	cfg   RunnerConfig
	stage Stage
	js    jetstream.JetStream
	nc    *nats.Conn
}

// NewRunner prepares a runner; Run starts it.
func NewRunner(e *Engine, cfg RunnerConfig, stage Stage) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Log = cfg.Log.With("stage", cfg.Stage, "partition", cfg.Partition)
	return &Runner{cfg: cfg, stage: stage, js: e.JS, nc: e.Conn}
}

// Run consumes until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	prev := r.cfg.Stage
	for _, step := range r.cfg.Then {
		if step.Name != NextStage(prev) {
			return fmt.Errorf("runner %s: %s cannot follow %s in one hop", r.cfg.Stage, step.Name, prev)
		}
		prev = step.Name
	}
	cons, err := r.js.CreateOrUpdateConsumer(ctx, StreamJobs, jetstream.ConsumerConfig{
		Durable:       ConsumerName(r.cfg.Stage, r.cfg.Partition),
		FilterSubject: StageSubject(r.cfg.Stage, r.cfg.Partition),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       time.Minute,
		MaxAckPending: 4096,
		MaxDeliver:    -1,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the consumer was bound: a shutdown, not a failure
		}
		return fmt.Errorf("consumer %s/%s: %w", r.cfg.Stage, r.cfg.Partition, err)
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(2 * r.cfg.Workers))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("consume %s: %w", r.cfg.Stage, err)
	}
	go func() {
		<-ctx.Done()
		iter.Stop()
	}()
	var wg sync.WaitGroup
	work := make(chan jetstream.Msg)
	for i := 0; i < r.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				r.handle(ctx, m)
			}
		}()
	}
	for {
		m, err := iter.Next()
		if err != nil {
			close(work)
			wg.Wait()
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("consume %s: %w", r.cfg.Stage, err)
		}
		work <- m
	}
}

func (r *Runner) handle(ctx context.Context, m jetstream.Msg) {
	job, err := DecodeJob(m.Data())
	if err != nil {
		r.cfg.Log.Error("dropping undecodable job", "subject", m.Subject(), "err", err)
		m.Term()
		return
	}
	last, err := r.process(ctx, job)
	if err != nil {
		var perm permanentError
		if errors.As(err, &perm) {
			r.cfg.Log.Error("job failed permanently", "job", job.ID, "err", err)
			r.refuse(job)
			m.Term()
			return
		}
		if r.offerTempFail(job, err) {
			// The MTA was told 4xx for what is left and will try again:
			// this job must not deliver it a second time.
			m.Term()
			return
		}
		r.retry(m, job, err)
		return
	}
	if err := r.handOn(ctx, job, last); err != nil {
		r.retry(m, job, err)
		return
	}
	if err := m.Ack(); err != nil {
		// The job comes again; every stage is idempotent.
		r.cfg.Log.Warn("ack failed", "job", job.ID, "err", err)
	}
}

// process applies the runner's stage and then its fused ones, stopping
// early when no recipient is left pending, and returns the name of the last
// stage applied.
func (r *Runner) process(ctx context.Context, job *Job) (string, error) {
	if err := r.stage.Process(ctx, job); err != nil {
		return r.cfg.Stage, err
	}
	last := r.cfg.Stage
	for _, step := range r.cfg.Then {
		if len(job.Pending()) == 0 {
			break
		}
		if err := step.Stage.Process(ctx, job); err != nil {
			return step.Name, fmt.Errorf("%s: %w", step.Name, err)
		}
		last = step.Name
	}
	return last, nil
}

// handOn publishes the job to the stage after last, or reports the outcome
// after the final one or when no recipient is left pending.
func (r *Runner) handOn(ctx context.Context, job *Job, last string) error {
	next := NextStage(last)
	if next == "" || len(job.Pending()) == 0 {
		return r.report(job)
	}
	data, err := job.Encode()
	if err != nil {
		return err
	}
	// The message id makes a republish after a crash (effect committed,
	// ack lost) a no-op within the stream's duplicate window.
	_, err = r.js.Publish(ctx, StageSubject(next, job.Partition), data, jetstream.WithMsgID(job.ID+"."+next))
	if err != nil {
		return fmt.Errorf("hand job %s to %s: %w", job.ID, next, err)
	}
	return nil
}

func (r *Runner) report(job *Job) error {
	data, err := json.Marshal(job.Outcome())
	if err != nil {
		return err
	}
	// Best effort: nobody may be waiting any more.
	if err := r.nc.Publish(OutcomeSubject(job.ID), data); err != nil {
		r.cfg.Log.Debug("outcome not sent", "job", job.ID, "err", err)
	}
	return nil
}

// offerTempFail asks the LMTP session that may still be waiting on the job
// to answer its pending recipients with a temporary failure (a full disk, an
// unwritable partition) instead of queueing. Only if the session takes it —
// it replies before its own wait runs out — does the job end here;
// otherwise the job stays queued and is retried, as its 250 promised.
func (r *Runner) offerTempFail(job *Job, cause error) bool {
	o := job.Outcome()
	for i, rc := range job.Recipients {
		if !rc.Done {
			o.Results[i] = Result{Code: 451, Enhanced: "4.3.0", Text: "Temporary failure delivering the message, try again later"}
		}
	}
	o.TempFail = true
	data, err := json.Marshal(o)
	if err != nil {
		return false
	}
	reply, err := r.nc.Request(OutcomeSubject(job.ID), data, offerTimeout)
	if err != nil || string(reply.Data) != OutcomeTaken {
		return false
	}
	r.cfg.Log.Warn("job failed while its LMTP session waited; answered 4xx", "job", job.ID, "err", cause)
	return true
}

// offerTimeout bounds how long a failing stage waits for the LMTP session.
const offerTimeout = 2 * time.Second

// OutcomeTaken is the LMTP session's reply to an outcome it will pass on.
const OutcomeTaken = "taken"

// refuse settles the recipients still pending with a permanent failure and
// reports the outcome, so that an LMTP session still waiting on the job
// answers 5xx rather than 250 for mail that will never be delivered.
func (r *Runner) refuse(job *Job) {
	for _, i := range job.Pending() {
		job.Recipients[i].Done = true
		job.Recipients[i].Result = Result{Code: 554, Enhanced: "5.3.0", Text: "Delivery failed permanently"}
	}
	r.report(job)
}

func (r *Runner) retry(m jetstream.Msg, job *Job, err error) {
	n := uint64(1)
	if md, merr := m.Metadata(); merr == nil {
		n = md.NumDelivered
	}
	delay := time.Duration(1<<min(n, 8)) * time.Second
	r.cfg.Log.Warn("job failed, will retry", "job", job.ID, "attempt", n, "in", delay, "err", err)
	m.NakWithDelay(delay)
}
