package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest sample such that at least p% of the
// samples are <= it. It returns 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

// Summary describes a set of latency samples; times are milliseconds.
type Summary struct {
	Count  int     `json:"count"`
	PerSec float64 `json:"per_sec,omitempty"`
	Min    float64 `json:"min_ms"`
	Mean   float64 `json:"mean_ms"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarize sorts samples in place and summarizes them. elapsed, if > 0, is
// used for the rate.
func summarize(samples []time.Duration, elapsed time.Duration) Summary {
	s := Summary{Count: len(samples)}
	if len(samples) == 0 {
		return s
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	s.Min = ms(samples[0])
	s.Mean = ms(sum / time.Duration(len(samples)))
	s.P50 = ms(percentile(samples, 50))
	s.P90 = ms(percentile(samples, 90))
	s.P99 = ms(percentile(samples, 99))
	s.Max = ms(samples[len(samples)-1])
	if elapsed > 0 {
		s.PerSec = float64(len(samples)) / elapsed.Seconds()
	}
	return s
}

// recorder collects latency samples by operation name and error counts by
// kind; it is safe for concurrent use.
type recorder struct {
	mu      sync.Mutex
	samples map[string][]time.Duration
	errors  map[string]int
	verbose bool
}

func newRecorder(verbose bool) *recorder {
	return &recorder{samples: map[string][]time.Duration{}, errors: map[string]int{}, verbose: verbose}
}

func (r *recorder) add(op string, d time.Duration) {
	r.mu.Lock()
	r.samples[op] = append(r.samples[op], d)
	r.mu.Unlock()
}

// fail counts one error of kind (e.g. "550 5.1.1" or "imap FETCH: NO").
func (r *recorder) fail(kind string, err error) {
	r.mu.Lock()
	r.errors[kind]++
	r.mu.Unlock()
	if r.verbose && err != nil {
		logf("%s: %v", kind, err)
	}
}

func (r *recorder) errorCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.errors {
		n += c
	}
	return n
}

// summaries summarizes every operation (rates over elapsed).
func (r *recorder) summaries(elapsed time.Duration) map[string]Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Summary, len(r.samples))
	for op, s := range r.samples {
		out[op] = summarize(append([]time.Duration(nil), s...), elapsed)
	}
	return out
}

func (r *recorder) errorsCopy() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.errors))
	for k, v := range r.errors {
		out[k] = v
	}
	return out
}

// Metric is a named scalar result.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Result is what a scenario reports.
type Result struct {
	Scenario string             `json:"scenario"`
	Started  time.Time          `json:"started"`
	Elapsed  float64            `json:"elapsed_s"`
	Params   map[string]any     `json:"params"`
	Metrics  []Metric           `json:"metrics"`
	Latency  map[string]Summary `json:"latency"`
	Errors   map[string]int     `json:"errors"`
	Notes    []string           `json:"notes,omitempty"`
}

func newResult(scenario string, cfg *config) *Result {
	return &Result{
		Scenario: scenario,
		Started:  time.Now(),
		Params: map[string]any{
			"lmtp": cfg.lmtpAddr, "imap": cfg.imapAddr, "users": cfg.users,
			"n": cfg.n, "c": cfg.c, "size": cfg.size,
		},
		Latency: map[string]Summary{},
		Errors:  map[string]int{},
	}
}

func (r *Result) metric(name string, v float64, unit string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Value: v, Unit: unit})
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// WriteJSON writes the result as one indented JSON document.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the result for people.
func (r *Result) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "scenario %s  (%.2fs)\n", r.Scenario, r.Elapsed)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ps []string
	for _, k := range keys {
		ps = append(ps, fmt.Sprintf("%s=%v", k, r.Params[k]))
	}
	fmt.Fprintf(w, "params   %s\n\n", strings.Join(ps, " "))

	if len(r.Metrics) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, m := range r.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, fmtFloat(m.Value), m.Unit)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if len(r.Latency) > 0 {
		ops := make([]string, 0, len(r.Latency))
		for op := range r.Latency {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "operation\tcount\tops/s\tmin ms\tmean ms\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
		for _, op := range ops {
			s := r.Latency[op]
			rate := "-"
			if s.PerSec > 0 {
				rate = fmtFloat(s.PerSec)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", op, s.Count, rate,
				fmtFloat(s.Min), fmtFloat(s.Mean), fmtFloat(s.P50), fmtFloat(s.P90), fmtFloat(s.P99), fmtFloat(s.Max))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if len(r.Errors) > 0 {
		kinds := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintln(w, "errors")
		for _, k := range kinds {
			fmt.Fprintf(w, "  %-40s %d\n", k, r.Errors[k])
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "errors   none")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func fmtFloat(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 1000:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
