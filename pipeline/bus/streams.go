package bus

import (
	"context"
	"fmt"
	"slices"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig tunes the streams; zero values take the defaults.
type StreamConfig struct {
	Replicas        int           // 1 embedded; 3 on a cluster
	DuplicateWindow time.Duration // Nats-Msg-Id memory; default 10m
	EventsMaxAge    time.Duration // default 7 days
	// BodiesMaxAge is how long an out-of-band body may stay in
	// pipeline.BucketBodies: a safety net for bodies a crash left behind
	// (the runner deletes each when its job ends). Default 7 days, longer
	// than any job waits in the queue.
	BodiesMaxAge time.Duration
}

// EnsureStreams creates the streams and the bodies bucket, or updates
// those whose settings differ. A stream that already matches is left
// alone, so a worker, which may read a stream's settings but not change
// them (the worker role of nats_auth_file), connects to a bus another
// process set up.
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
	if sc.BodiesMaxAge == 0 {
		sc.BodiesMaxAge = 7 * 24 * time.Hour
	}
	err := ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        pipeline.StreamJobs,
		Description: "chapar delivery jobs between pipeline stages",
		Subjects:    []string{pipeline.SubjectStagePrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
		Duplicates:  sc.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", pipeline.StreamJobs, err)
	}
	err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        pipeline.StreamEvents,
		Description: "chapar mailbox change events (RFC 5423)",
		Subjects:    []string{pipeline.SubjectEventPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
		MaxAge:      sc.EventsMaxAge,
		Duplicates:  sc.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", pipeline.StreamEvents, err)
	}
	err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        pipeline.StreamOutbound,
		Description: "mail chapar sends itself (Sieve redirect, vacation, MDN, notify) until sent",
		Subjects:    []string{pipeline.SubjectOutbound},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
		Duplicates:  sc.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", pipeline.StreamOutbound, err)
	}
	if _, err := js.ObjectStore(ctx, pipeline.BucketBodies); err == nil {
		// Made by whoever set up the bus; a worker may not change it.
		return nil
	}
	_, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      pipeline.BucketBodies,
		Description: "chapar message bodies too large to travel inside a job",
		TTL:         sc.BodiesMaxAge,
		Storage:     jetstream.FileStorage,
		Replicas:    sc.Replicas,
	})
	if err != nil {
		return fmt.Errorf("object store %s: %w", pipeline.BucketBodies, err)
	}
	return nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) error {
	if s, err := js.Stream(ctx, want.Name); err == nil && sameStream(s.CachedInfo().Config, want) {
		return nil
	}
	_, err := js.CreateOrUpdateStream(ctx, want)
	return err
}

// sameStream compares the settings EnsureStreams sets; the server fills in
// the rest.
func sameStream(have, want jetstream.StreamConfig) bool {
	return have.Description == want.Description &&
		slices.Equal(have.Subjects, want.Subjects) &&
		have.Retention == want.Retention &&
		have.Storage == want.Storage &&
		have.Replicas == want.Replicas &&
		have.Duplicates == want.Duplicates &&
		have.MaxAge == want.MaxAge
}
