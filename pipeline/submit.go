package pipeline

import "context"

// Submitter puts new jobs into the pipeline; LMTP ingest depends on it
// rather than on the message bus.
type Submitter interface {
	// Submit makes job durable at the first stage, under its id (a
	// resubmission within the bus's duplicate window is a no-op). With
	// watch set, the outcome is subscribed to before the job is published,
	// because the outcome may come back faster than the publish
	// acknowledgement; without it the ticket's Await reports nothing.
	// A nil error means the job is durable: the caller may answer 250.
	Submit(ctx context.Context, job *Job, watch bool) (Ticket, error)
}

// Ticket waits for the outcome of one submitted job.
type Ticket interface {
	// Await waits until ctx ends for the per-recipient outcome. ok is false
	// when none came in time or it could not be read: the caller then
	// answers on the strength of the durable job alone.
	//
	// When the outcome is a stage's offer of a temporary failure
	// (Outcome.TempFail), Await accepts the offer on the caller's behalf
	// and returns it only once the acceptance went out: from then on the
	// stage drops the job, so the caller must answer with the offered
	// failures. If the acceptance cannot be sent, ok is false and the job
	// stays queued.
	Await(ctx context.Context) (o Outcome, ok bool)
	// Close stops watching; call it when done with the ticket.
	Close()
}
