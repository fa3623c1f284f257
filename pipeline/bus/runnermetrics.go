package bus

import (
	"time"

	"chapar/internal/metrics"
)

// stageMetrics are one runner's series of /metrics: what became of the
// jobs it took, and how long its stages took with them.
type stageMetrics struct {
	taken, done, handed, failed, retried, redelivered *metrics.Counter
	seconds                                           *metrics.Histogram
}

func newStageMetrics(r *metrics.Registry, stage, partition string) stageMetrics {
	jobs := r.Counter("chapar_stage_jobs_total",
		"Jobs a stage's runner took (outcome taken), and what became of them: done (the job ended here), handed (published to the next stage), failed (ended with a failure answered to the MTA), retried (negatively acknowledged for a later attempt), redelivered (taken again after an earlier attempt).",
		"stage", "partition", "outcome")
	return stageMetrics{
		taken:       jobs.With(stage, partition, "taken"),
		done:        jobs.With(stage, partition, "done"),
		handed:      jobs.With(stage, partition, "handed"),
		failed:      jobs.With(stage, partition, "failed"),
		retried:     jobs.With(stage, partition, "retried"),
		redelivered: jobs.With(stage, partition, "redelivered"),
		seconds: r.Histogram("chapar_stage_processing_seconds",
			"Time a runner spent in its stage and the stages fused after it, per job.", nil,
			"stage", "partition").With(stage, partition),
	}
}

// since records the processing time of one job.
func (m *stageMetrics) since(start time.Time) { m.seconds.Observe(time.Since(start)) }
