package bus

import (
	"context"
	"fmt"
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

// EnsureStreams creates or updates the streams and the bodies bucket.
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
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
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
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
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
