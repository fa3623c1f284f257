package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Every stream, subject, consumer and bucket chapar uses is named here; the
// table in README.md ("The pipeline") mirrors this file.
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
	StageDeliver     = "deliver"
)

var stageOrder = []string{StagePlusAddress, StageDuplicate, StageDeliver}

// FirstStage is where ingest publishes a new job.
func FirstStage() string { return stageOrder[0] }

// Stages lists the stages in pipeline order.
func Stages() []string { return append([]string(nil), stageOrder...) }

// NextStage returns the stage after s, or "" after the last.
func NextStage(s string) string {
	for i, name := range stageOrder {
		if name == s && i+1 < len(stageOrder) {
			return stageOrder[i+1]
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

// EventWildcard matches every event of a mailbox, for a subscriber that
// follows one mailbox (an integrator, a test).
func EventWildcard(mailboxID string) string {
	return SubjectEventPrefix + mailboxID + ".*"
}

// OutcomeSubject is where the outcome of a job is reported.
func OutcomeSubject(jobID string) string { return SubjectOutcomePrefix + jobID }

// StreamConfig tunes the streams; zero values take the defaults.
type StreamConfig struct {
	Replicas          int           // 1 embedded; 3 on a cluster
	DuplicateWindow   time.Duration // Nats-Msg-Id memory; default 10m
	EventsMaxAge      time.Duration // default 7 days
	DuplicateSuppress time.Duration // duplicate window; default 72h
}

// EnsureStreams creates or updates the streams and buckets.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, sc StreamConfig) error {
	if sc.Replicas == 0 {
		sc.Replicas = 1
	}
	if sc.DuplicateWindow == 0 {
		sc.DuplicateWindow = 10 * time.Minute
	}
	if sc.EventsMaxAge == 0 {
		sc.EventsMaxAge = 7 * 24 * time.Hour
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamJobs,
		Description: "chapar delivery jobs between pipeline stages",
		Subjects:    []string{SubjectStagePrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
		Duplicates:  sc.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamJobs, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamEvents,
		Description: "chapar mailbox change events (RFC 5423)",
		Subjects:    []string{SubjectEventPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
		MaxAge:      sc.EventsMaxAge,
		Duplicates:  sc.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamEvents, err)
	}
	return nil
}
