package metrics

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// vec is the series of one family, one per combination of label values.
type vec[S any] struct {
	help, typ string
	labels    []string
	mu        sync.RWMutex
	series    map[string]*S
	values    map[string][]string
	make      func() *S
}

func newVec[S any](help, typ string, labels []string, mk func() *S) *vec[S] {
	return &vec[S]{help: help, typ: typ, labels: labels, series: map[string]*S{}, values: map[string][]string{}, make: mk}
}

func (v *vec[S]) header() (string, string) { return v.help, v.typ }

// with finds or makes the series for the label values; a wrong count of
// values is a programming error.
func (v *vec[S]) with(values []string) *S {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %d label values for %v", len(values), v.labels))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	s := v.series[key]
	v.mu.RUnlock()
	if s != nil {
		return s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if s = v.series[key]; s == nil {
		s = v.make()
		v.series[key] = s
		v.values[key] = append([]string(nil), values...)
	}
	return s
}

// each visits the series in the order of their label values.
func (v *vec[S]) each(fn func(values []string, s *S)) {
	v.mu.RLock()
	keys := make([]string, 0, len(v.series))
	for k := range v.series {
		keys = append(keys, k)
	}
	v.mu.RUnlock()
	sort.Strings(keys)
	for _, k := range keys {
		v.mu.RLock()
		s, vals := v.series[k], v.values[k]
		v.mu.RUnlock()
		fn(vals, s)
	}
}

// Counter only goes up.
type Counter struct{ n atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() {
	if c != nil {
		c.n.Add(1)
	}
}

// Add adds n.
func (c *Counter) Add(n uint64) {
	if c != nil {
		c.n.Add(n)
	}
}

// Value is the count so far.
func (c *Counter) Value() uint64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

// CounterVec is a counter family.
type CounterVec struct{ v *vec[Counter] }

// Counter registers (or finds) a counter family.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	if r == nil {
		return nil
	}
	v := newVec(help, "counter", labels, func() *Counter { return new(Counter) })
	return &CounterVec{v: r.register(name, v).(*vec[Counter])}
}

// With is the series of those label values.
func (c *CounterVec) With(values ...string) *Counter {
	if c == nil {
		return nil
	}
	return c.v.with(values)
}

func (v *vec[S]) write(b *strings.Builder, name string) {
	v.each(func(values []string, s *S) {
		switch s := any(s).(type) {
		case *Counter:
			fmt.Fprintf(b, "%s%s %d\n", name, labelString(v.labels, values), s.Value())
		case *Gauge:
			fmt.Fprintf(b, "%s%s %d\n", name, labelString(v.labels, values), s.Value())
		case *Histogram:
			s.write(b, name, v.labels, values)
		}
	})
}

// Gauge goes up and down.
type Gauge struct{ n atomic.Int64 }

// Inc adds one.
func (g *Gauge) Inc() { g.Add(1) }

// Dec takes one away.
func (g *Gauge) Dec() { g.Add(-1) }

// Add adds n (which may be negative).
func (g *Gauge) Add(n int64) {
	if g != nil {
		g.n.Add(n)
	}
}

// Set replaces the value.
func (g *Gauge) Set(n int64) {
	if g != nil {
		g.n.Store(n)
	}
}

// Value is the current value.
func (g *Gauge) Value() int64 {
	if g == nil {
		return 0
	}
	return g.n.Load()
}

// GaugeVec is a gauge family.
type GaugeVec struct{ v *vec[Gauge] }

// Gauge registers (or finds) a gauge family.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	if r == nil {
		return nil
	}
	v := newVec(help, "gauge", labels, func() *Gauge { return new(Gauge) })
	return &GaugeVec{v: r.register(name, v).(*vec[Gauge])}
}

// With is the series of those label values.
func (g *GaugeVec) With(values ...string) *Gauge {
	if g == nil {
		return nil
	}
	return g.v.with(values)
}

// Histogram counts observed durations into buckets, in seconds as
// Prometheus's conventions ask.
type Histogram struct {
	bounds []float64 // upper bounds in seconds, ascending
	counts []atomic.Uint64
	count  atomic.Uint64
	sum    atomic.Uint64 // float64 bits
}

// LatencyBuckets suit operations from a tenth of a millisecond to ten
// seconds: store commits, stage hops, LMTP outcomes.
var LatencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Observe records one duration, in seconds.
func (h *Histogram) Observe(d time.Duration) { h.ObserveValue(d.Seconds()) }

// ObserveValue records one value (a size, a count).
func (h *Histogram) ObserveValue(v float64) {
	if h == nil {
		return
	}
	i := sort.SearchFloat64s(h.bounds, v)
	if i < len(h.counts) {
		h.counts[i].Add(1)
	}
	h.count.Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 {
	if h == nil {
		return 0
	}
	return h.count.Load()
}

func (h *Histogram) write(b *strings.Builder, name string, keys, values []string) {
	var cum uint64
	for i, le := range h.bounds {
		cum += h.counts[i].Load()
		fmt.Fprintf(b, "%s_bucket%s %d\n", name, labelString(keys, values, "le", formatFloat(le)), cum)
	}
	total := h.count.Load()
	fmt.Fprintf(b, "%s_bucket%s %d\n", name, labelString(keys, values, "le", "+Inf"), total)
	fmt.Fprintf(b, "%s_sum%s %s\n", name, labelString(keys, values), formatFloat(math.Float64frombits(h.sum.Load())))
	fmt.Fprintf(b, "%s_count%s %d\n", name, labelString(keys, values), total)
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// HistogramVec is a histogram family.
type HistogramVec struct{ v *vec[Histogram] }

// Histogram registers (or finds) a histogram family with the given bucket
// bounds in seconds (LatencyBuckets when nil).
func (r *Registry) Histogram(name, help string, bounds []float64, labels ...string) *HistogramVec {
	if r == nil {
		return nil
	}
	if bounds == nil {
		bounds = LatencyBuckets
	}
	v := newVec(help, "histogram", labels, func() *Histogram {
		return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds))}
	})
	return &HistogramVec{v: r.register(name, v).(*vec[Histogram])}
}

// With is the series of those label values.
func (h *HistogramVec) With(values ...string) *Histogram {
	if h == nil {
		return nil
	}
	return h.v.with(values)
}
