package bus

import (
	"context"
	"fmt"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// The runner's half of out-of-band bodies (see bodies.go): fetching one
// before the stages run, deleting it when the job ends, and telling a
// replay from a lost body when it is gone.

// bodyTimeout bounds fetching or deleting one body; a 64 MiB body takes
// well under a second here.
const bodyTimeout = 2 * time.Minute

// needsBody says whether a stage of the runner's chain reads the body: one
// that is not pipeline.BodyBlind. A runner of body-blind stages alone
// hands a job on with its BodyRef and leaves the fetch (and telling a
// missing body from a replay) to the runner that needs the body.
func (r *Runner) needsBody() bool {
	for _, s := range r.chain() {
		if _, blind := s.(pipeline.BodyBlind); !blind {
			return true
		}
	}
	return false
}

// chain lists the runner's stage and the ones fused after it.
func (r *Runner) chain() []pipeline.Stage {
	stages := []pipeline.Stage{r.stage}
	for _, step := range r.cfg.Then {
		stages = append(stages, step.Stage)
	}
	return stages
}

// fetchBody fills in the body of a job that travelled without it.
func (r *Runner) fetchBody(ctx context.Context, job *pipeline.Job) error {
	ctx, cancel := context.WithTimeout(ctx, bodyTimeout)
	defer cancel()
	body, err := fetchBody(ctx, r.bodies, job.BodyRef)
	if err != nil {
		return fmt.Errorf("job %s: %w", job.ID, err)
	}
	job.Body = body
	return nil
}

// end settles a job that ends at this runner: acknowledged (ok) or
// terminated. A job whose body travelled out of band is acknowledged with
// the server's confirmation and only then loses its body, so that a lost
// acknowledgement brings the job back with its body; a confirmed one
// cannot bring it back at all. A crash between the two leaves the body to
// the bucket's max age.
func (r *Runner) end(ctx context.Context, m jetstream.Msg, job *pipeline.Job, ok bool) {
	if job.BodyRef == "" {
		r.settle(m, job, ok)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, bodyTimeout)
	defer cancel()
	if ok {
		if err := m.DoubleAck(ctx); err != nil {
			r.cfg.Log.Warn("ack not confirmed; the job comes again with its body", "job", job.ID, "err", err)
			return
		}
	} else {
		// A lost termination brings the job back without its body; it was
		// not applied, so it is refused again, to nobody: harmless.
		r.settle(m, job, false)
	}
	if err := dropBody(ctx, r.bodies, job.BodyRef); err != nil {
		r.cfg.Log.Warn("body left for the bucket's max age", "job", job.ID, "err", err)
	}
}

// settle acknowledges or terminates a job without waiting for the server.
func (r *Runner) settle(m jetstream.Msg, job *pipeline.Job, ok bool) {
	if !ok {
		m.Term()
		return
	}
	if err := m.Ack(); err != nil {
		// The job comes again; every stage is idempotent.
		r.cfg.Log.Warn("ack failed", "job", job.ID, "err", err)
	}
}

// bodyGone decides about a job whose out-of-band body is not in the
// bucket. The body is deleted only after the job's last stage committed
// and its acknowledgement was confirmed, so a job that comes again anyway
// (its acknowledgement was lost on the way back, or it is an earlier
// stage's copy when stages run apart) was applied: a ReplayChecker among
// this runner's stages recognises it, and it is acknowledged. Otherwise
// the body was lost (swept by the bucket's max age, deleted by hand) and
// no retry can bring it back: the job fails for good, answered 554 5.3.0
// to a session still waiting on it.
func (r *Runner) bodyGone(ctx context.Context, m jetstream.Msg, job *pipeline.Job, cause error) {
	applied, err := r.applied(ctx, job)
	if err != nil {
		r.retry(m, job, fmt.Errorf("is a job without its body a replay: %w", err))
		return
	}
	if applied {
		r.cfg.Log.Info("replay of an applied job whose body is already deleted; acknowledging", "job", job.ID)
		r.settle(m, job, true)
		return
	}
	r.cfg.Log.Error("job failed permanently", "job", job.ID, "err", cause)
	r.refuse(job)
	m.Term()
}

// applied asks the runner's stages that can tell whether they applied job.
func (r *Runner) applied(ctx context.Context, job *pipeline.Job) (bool, error) {
	for _, s := range r.chain() {
		rc, ok := s.(pipeline.ReplayChecker)
		if !ok {
			continue
		}
		if done, err := rc.Applied(ctx, job); err != nil || done {
			return done, err
		}
	}
	return false, nil
}
