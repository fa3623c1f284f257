package pipeline

import (
	"context"
	"errors"
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

// Permanent wraps an error that retrying will not cure; the job is
// terminated (and logged) instead of redelivered.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err, or an error it wraps, came from
// Permanent.
func IsPermanent(err error) bool {
	var perm permanentError
	return errors.As(err, &perm)
}

type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// ReplayChecker is a stage that can recognise a job it has already applied
// (deliver, from its applied-delivery records). The runner asks it when the
// body of a job that travelled out of band (Job.BodyRef) is gone: the body
// is deleted only once the job's last stage has committed, so if that
// stage applied the job, this is a replay (an acknowledgement lost after
// the deletion) and is acknowledged; if not, the body was lost and the job
// fails for good.
type ReplayChecker interface {
	// Applied reports whether the stage committed its effect for job
	// already, for any of its recipients.
	Applied(ctx context.Context, job *Job) (bool, error)
}

// BodyBlind is a stage that never reads Job.Body (plus-addressing and
// duplicate suppression decide on the envelope and the Message-ID). A
// runner whose stages are all body-blind hands on a job whose body
// travelled out of band without fetching it, so that running stages apart
// does not move a large message once per stage.
type BodyBlind interface {
	IgnoresBody()
}
