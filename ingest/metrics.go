package ingest

import (
	"strconv"
	"time"

	"chapar/internal/metrics"
	"chapar/pipeline"
)

// lmtpMetrics are the LMTP series of /metrics: how long a DATA waited for
// the pipeline's outcome, and how recipients were answered.
type lmtpMetrics struct {
	outcome *metrics.Histogram
	answers *metrics.CounterVec
}

func newLMTPMetrics(r *metrics.Registry) lmtpMetrics {
	return lmtpMetrics{
		outcome: r.Histogram("chapar_lmtp_outcome_seconds",
			"Time from the end of an LMTP DATA to the answers, the pipeline's outcome included.", nil).With(),
		answers: r.Counter("chapar_lmtp_recipients_total",
			"LMTP recipients answered after DATA, by reply class (2, 4 or 5).", "class"),
	}
}

// record notes one DATA's answers.
func (m *lmtpMetrics) record(start time.Time, results []pipeline.Result) {
	m.outcome.Observe(time.Since(start))
	if m.answers == nil {
		return
	}
	for _, r := range results {
		m.answers.With(strconv.Itoa(r.Code / 100)).Inc()
	}
}
