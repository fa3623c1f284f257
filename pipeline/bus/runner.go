package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"chapar/internal/metrics"
	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

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
	Then []pipeline.Step
	// RetryBackoff is the unit of the delay before a failed job comes
	// again: attempt n waits RetryBackoff << min(n, 8). Default 1s.
	RetryBackoff time.Duration
	// OfferTimeout bounds how long a failing stage waits for the LMTP
	// session to take the offer of a temporary failure. Default 2s.
	OfferTimeout time.Duration
	Log          *slog.Logger
	// Metrics receives the runner's series; nil keeps none.
	Metrics *metrics.Registry
}

// Defaults of RunnerConfig.
const (
	defaultRetryBackoff = time.Second
	defaultOfferTimeout = 2 * time.Second
)

// Runner drives a Stage from its durable consumer.
type Runner struct {
	cfg   RunnerConfig
	stage pipeline.Stage
	js    jetstream.JetStream
	nc    *nats.Conn
	// bodies holds the bodies of jobs that travel without theirs
	// (bodies.go).
	bodies  jetstream.ObjectStore
	conn    *Conn
	metrics stageMetrics
}

// NewRunner prepares a runner; Run starts it.
func NewRunner(c *Conn, cfg RunnerConfig, stage pipeline.Stage) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = defaultRetryBackoff
	}
	if cfg.OfferTimeout <= 0 {
		cfg.OfferTimeout = defaultOfferTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Log = cfg.Log.With("stage", cfg.Stage, "partition", cfg.Partition)
	return &Runner{cfg: cfg, stage: stage, js: c.js, nc: c.nc, bodies: c.bodies, conn: c,
		metrics: newStageMetrics(cfg.Metrics, cfg.Stage, cfg.Partition)}
}

// rebindPoll is how often a runner whose JetStream was lost looks whether
// it is back.
const rebindPoll = 250 * time.Millisecond

// Run consumes until ctx ends. When the embedded server's JetStream is lost
// (its store full) and comes back, the pull this runner had outstanding
// went with it: Run binds the consumer again rather than wait out the old
// pull's expiry.
func (r *Runner) Run(ctx context.Context) error {
	prev := r.cfg.Stage
	for _, step := range r.cfg.Then {
		if step.Name != pipeline.NextStage(prev) {
			return fmt.Errorf("runner %s: %s cannot follow %s in one hop", r.cfg.Stage, step.Name, prev)
		}
		prev = step.Name
	}
	for {
		js := r.conn.jetStream()
		if js != nil && js.Err() != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(rebindPoll):
			}
			continue
		}
		err := r.consume(ctx, js)
		if ctx.Err() != nil {
			return nil
		}
		if js == nil || js.Err() == nil {
			return err
		}
		r.cfg.Log.Warn("JetStream lost; the consumer binds again once it is back", "err", err)
	}
}

// consume binds the durable consumer and hands its messages to the workers
// until ctx ends or js (the JetStream context, nil for an external cluster)
// does. Jobs are processed under ctx alone: one in the middle of a stage
// finishes, and its ack fails harmlessly if JetStream is gone.
func (r *Runner) consume(ctx, js context.Context) error {
	bound, stop := publishCtx(ctx, js)
	defer stop()
	cons, err := r.js.CreateOrUpdateConsumer(bound, pipeline.StreamJobs, jetstream.ConsumerConfig{
		Durable:       pipeline.ConsumerName(r.cfg.Stage, r.cfg.Partition),
		FilterSubject: pipeline.StageSubject(r.cfg.Stage, r.cfg.Partition),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       time.Minute,
		MaxAckPending: 4096,
		MaxDeliver:    -1,
	})
	if err != nil {
		if bound.Err() != nil {
			return nil // stopped before the consumer was bound: a shutdown or a lost JetStream, not a failure
		}
		return fmt.Errorf("consumer %s/%s: %w", r.cfg.Stage, r.cfg.Partition, err)
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(2 * r.cfg.Workers))
	if err != nil {
		if bound.Err() != nil {
			return nil
		}
		return fmt.Errorf("consume %s: %w", r.cfg.Stage, err)
	}
	go func() {
		<-bound.Done()
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
		if errors.Is(err, jetstream.ErrNoHeartbeat) && bound.Err() == nil {
			// The server's heartbeats were late (a stall under load, a
			// brief disconnect). The iterator stays usable and pulls
			// again on the next call; ending here would stop the stage
			// for good.
			r.cfg.Log.Warn("consumer missed heartbeats; pulling again", "err", err)
			continue
		}
		if err != nil {
			close(work)
			wg.Wait()
			if bound.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("consume %s: %w", r.cfg.Stage, err)
		}
		work <- m
	}
}

func (r *Runner) handle(ctx context.Context, m jetstream.Msg) {
	job, err := pipeline.DecodeJob(m.Data())
	if err != nil {
		r.cfg.Log.Error("dropping undecodable job", "subject", m.Subject(), "err", err)
		m.Term()
		return
	}
	r.metrics.taken.Inc()
	if md, err := m.Metadata(); err == nil && md.NumDelivered > 1 {
		r.metrics.redelivered.Inc()
	}
	if job.BodyRef != "" && r.needsBody() {
		if err := r.fetchBody(ctx, job); err != nil {
			if errors.Is(err, errBodyGone) {
				r.bodyGone(ctx, m, job, err)
				return
			}
			r.retry(m, job, err)
			return
		}
	}
	start := time.Now()
	last, err := r.process(ctx, job)
	r.metrics.since(start)
	if err != nil {
		if pipeline.IsPermanent(err) {
			r.cfg.Log.Error("job failed permanently", "job", job.ID, "err", err)
			r.refuse(job)
			r.metrics.failed.Inc()
			r.end(ctx, m, job, false)
			return
		}
		if r.offerTempFail(job, err) {
			// The MTA was told 4xx for what is left and will try again:
			// this job must not deliver it a second time.
			r.metrics.failed.Inc()
			r.end(ctx, m, job, false)
			return
		}
		r.retry(m, job, err)
		return
	}
	ended, err := r.handOn(ctx, job, last)
	if err != nil {
		r.retry(m, job, err)
		return
	}
	if ended {
		r.metrics.done.Inc()
		r.end(ctx, m, job, true)
		return
	}
	// Handed on: the body, if out of band, stays for the next stage.
	r.metrics.handed.Inc()
	r.settle(m, job, true)
}

// process applies the runner's stage and then its fused ones, stopping
// early when no recipient is left pending, and returns the name of the last
// stage applied.
func (r *Runner) process(ctx context.Context, job *pipeline.Job) (string, error) {
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
// after the final one or when no recipient is left pending; ended says the
// job ends here.
func (r *Runner) handOn(ctx context.Context, job *pipeline.Job, last string) (ended bool, err error) {
	next := pipeline.NextStage(last)
	if next == "" || len(job.Pending()) == 0 {
		if held := job.HeldForQuota(); len(held) > 0 {
			return r.reportQuotaRefusal(ctx, job, held)
		}
		return true, r.report(job)
	}
	data, err := job.Encode()
	if err != nil {
		return false, err
	}
	// The message id makes a republish after a crash (effect committed,
	// ack lost) a no-op within the stream's duplicate window.
	// Bound to the JetStream context: a stream that lost its store drops
	// the publish unanswered, and the job should go back for a retry at
	// once rather than after the publish timeout.
	pctx, stop := publishCtx(ctx, r.conn.jetStream())
	defer stop()
	_, err = r.js.Publish(pctx, pipeline.StageSubject(next, job.Partition), data, jetstream.WithMsgID(job.ID+"."+next))
	if err != nil {
		return false, fmt.Errorf("hand job %s to %s: %w", job.ID, next, err)
	}
	return false, nil
}

func (r *Runner) retry(m jetstream.Msg, job *pipeline.Job, err error) {
	n := uint64(1)
	if md, merr := m.Metadata(); merr == nil {
		n = md.NumDelivered
	}
	delay := r.cfg.RetryBackoff << min(n, 8)
	r.metrics.retried.Inc()
	r.cfg.Log.Warn("job failed, will retry", "job", job.ID, "attempt", n, "in", delay, "err", err)
	m.NakWithDelay(delay)
}
