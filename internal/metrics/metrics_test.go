package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestTextExposition(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	jobs := r.Counter("chapar_stage_jobs_total", "Jobs a stage took.", "stage", "outcome")
	jobs.With("deliver", "done").Add(3)
	jobs.With("deliver", "failed").Inc()
	r.Counter("chapar_stage_jobs_total", "Jobs a stage took.", "stage", "outcome").With("deliver", "done").Inc() // the same family
	r.Gauge("chapar_sessions", "Open sessions.", "service").With(`im"ap`).Set(2)
	h := r.Histogram("chapar_commit_seconds", "Store commit latency.", []float64{0.001, 0.01})
	h.With().Observe(500 * time.Microsecond)
	h.With().Observe(5 * time.Millisecond)
	h.With().Observe(time.Second)
	r.GaugeFunc("chapar_consumer_pending", "Backlog.", []string{"consumer"}, func() []Sample {
		return []Sample{{Labels: []string{"chapar-deliver-default"}, Value: 7}}
	})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP chapar_commit_seconds Store commit latency.
# TYPE chapar_commit_seconds histogram
chapar_commit_seconds_bucket{le="0.001"} 1
chapar_commit_seconds_bucket{le="0.01"} 2
chapar_commit_seconds_bucket{le="+Inf"} 3
chapar_commit_seconds_sum 1.0055
chapar_commit_seconds_count 3
# HELP chapar_consumer_pending Backlog.
# TYPE chapar_consumer_pending gauge
chapar_consumer_pending{consumer="chapar-deliver-default"} 7
# HELP chapar_sessions Open sessions.
# TYPE chapar_sessions gauge
chapar_sessions{service="im\"ap"} 2
# HELP chapar_stage_jobs_total Jobs a stage took.
# TYPE chapar_stage_jobs_total counter
chapar_stage_jobs_total{stage="deliver",outcome="done"} 4
chapar_stage_jobs_total{stage="deliver",outcome="failed"} 1
`
	if b.String() != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A part built without a registry holds nil metrics, which do nothing.
func TestNilIsANoOp(t *testing.T) {
	t.Parallel()
	var r *Registry
	r.Counter("x", "x").With().Inc()
	r.Gauge("y", "y", "a").With("1").Dec()
	r.Histogram("z", "z", nil).With().Observe(time.Second)
	r.GaugeFunc("w", "w", nil, nil)
	if err := r.WriteText(&strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	var c *Counter
	if c.Value() != 0 {
		t.Fatal("nil counter has a value")
	}
}

func TestWrongLabelCountPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic for a missing label value")
		}
	}()
	NewRegistry().Counter("x", "x", "a", "b").With("only one")
}
