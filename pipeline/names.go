package pipeline

import "strings"

// Every stream, subject and consumer chapar uses is named here (the engine
// that creates them is pipeline/bus); the table in README.md ("The
// pipeline") mirrors this file.
const (
	// StreamJobs carries delivery jobs between stages. Work-queue retention:
	// a job leaves the stream when the stage holding it acknowledges it.
	StreamJobs = "CHAPAR_JOBS"
	// SubjectStagePrefix + "<stage>.<partition>" is a stage's input.
	SubjectStagePrefix = "chapar.stage."

	// StreamEvents keeps change events for integrators and late readers.
	StreamEvents = "CHAPAR_EVENTS"
	// SubjectEventPrefix + "<mailboxid>.<EventType>" is one change event.
	SubjectEventPrefix = "chapar.event."
	// ConsumerWebhookPrefix + "<webhook id>" is a webhook's durable
	// consumer on StreamEvents (notify/webhook).
	ConsumerWebhookPrefix = "chapar-webhook-"

	// SubjectWakePrefix + "<mailboxid>.<EventType>" is core NATS (not
	// stored): a change whose event the event_* options keep off the
	// stream, so that IDLE sessions still learn of it.
	SubjectWakePrefix = "chapar.wake."

	// StreamOutbound keeps mail chapar sends itself (Sieve redirect,
	// vacation, MDN, notify) until the outbound worker has sent it.
	// Work-queue retention, like StreamJobs.
	StreamOutbound = "CHAPAR_OUTBOUND"
	// SubjectOutbound is the outbound queue's one subject.
	SubjectOutbound = "chapar.outbound"
	// ConsumerOutbound is the outbound worker's durable consumer.
	ConsumerOutbound = "chapar-outbound"

	// BucketBodies is the JetStream object store holding the bodies of
	// jobs too large to travel inside the job (Job.BodyRef; object name =
	// job id). The runner that ends a job deletes its object; the bucket's
	// max age sweeps what a crash left behind.
	BucketBodies = "CHAPAR_BODIES"

	// SubjectOutcomePrefix + "<jobid>" is core NATS (not stored): the
	// per-recipient outcome a stage reports to the LMTP session waiting for
	// it. A lost outcome costs only the wait; the job is durable anyway.
	SubjectOutcomePrefix = "chapar.outcome."
)

// The stages in the order a job passes them. Each stage's runner publishes
// its output to the next one's subject.
const (
	StagePlusAddress = "plusaddr"
	StageDuplicate   = "duplicate"
	StageSieve       = "sieve"
	StageQuota       = "quota"
	StageDeliver     = "deliver"
)

// stageOrder is a function rather than a package variable so that nothing
// can reorder the pipeline at run time.
//
// Duplicate suppression comes before Sieve so that a message delivered
// before never runs the script again: a second vacation reply or redirect
// for a copy the MTA sent twice is what suppression exists to prevent.
// The quota check comes last before deliver, once Sieve has chosen the
// mailboxes whose quota roots decide.
func stageOrder() [5]string {
	return [5]string{StagePlusAddress, StageDuplicate, StageSieve, StageQuota, StageDeliver}
}

// FirstStage is where ingest publishes a new job.
func FirstStage() string { return stageOrder()[0] }

// Stages lists the stages in pipeline order.
func Stages() []string {
	order := stageOrder()
	return order[:]
}

// NextStage returns the stage after s, or "" after the last.
func NextStage(s string) string {
	order := stageOrder()
	for i, name := range order {
		if name == s && i+1 < len(order) {
			return order[i+1]
		}
	}
	return ""
}

// StageSubject is the input subject of a stage for one partition.
func StageSubject(stage, partition string) string {
	return SubjectStagePrefix + stage + "." + partition
}

// ConsumerName is the durable consumer of a stage on a partition.
func ConsumerName(stage, partition string) string {
	return "chapar-" + stage + "-" + partition
}

// EventSubject is where a mailbox's event of the given type is published.
func EventSubject(mailboxID, eventType string) string {
	return SubjectEventPrefix + mailboxID + "." + eventType
}

// ParseEventSubject reverses EventSubject; ok is false for a subject that
// is not an event's.
func ParseEventSubject(subject string) (mailboxID, eventType string, ok bool) {
	rest, ok := strings.CutPrefix(subject, SubjectEventPrefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ".")
}

// WakeSubject is where a change excluded from the stream wakes IDLE.
func WakeSubject(mailboxID, eventType string) string {
	return SubjectWakePrefix + mailboxID + "." + eventType
}

// ParseWakeSubject reverses WakeSubject.
func ParseWakeSubject(subject string) (mailboxID, eventType string, ok bool) {
	rest, ok := strings.CutPrefix(subject, SubjectWakePrefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ".")
}

// EventWildcard matches every event of a mailbox, for a subscriber that
// follows one mailbox (an integrator, a test).
func EventWildcard(mailboxID string) string {
	return SubjectEventPrefix + mailboxID + ".*"
}

// OutcomeSubject is where the outcome of a job is reported.
func OutcomeSubject(jobID string) string { return SubjectOutcomePrefix + jobID }
