// Package pipeline is the vocabulary of chapar's delivery pipeline: the job
// that travels between stages (Job, Recipient, Result, Outcome), what a
// stage is (Stage, Step, Permanent, and the optional BodyBlind and
// ReplayChecker through which the runner treats out-of-band bodies), the
// names of every stream, bucket, subject and consumer, and the small
// interfaces through which ingest and notify use the message bus
// (Submitter and Ticket; EventFeed and EventSink).
//
// It imports no NATS package, so a stage, the store's readers and the IMAP
// server can speak of jobs without linking the message bus. The engine that
// carries jobs is pipeline/bus (nats.go and JetStream: streams, the stage
// Runner, the implementations of these interfaces); the embedded NATS
// server it runs on by default is pipeline/embedded, linked only by
// cmd/chapar and the engine's tests.
package pipeline
