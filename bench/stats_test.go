package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

func durations(vals ...int) []time.Duration {
	out := make([]time.Duration, len(vals))
	for i, v := range vals {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p50", durations(7), 50, 7 * time.Millisecond},
		{"single p99", durations(7), 99, 7 * time.Millisecond},
		{"p0 is min", durations(1, 2, 3), 0, 1 * time.Millisecond},
		{"1..100 p50", hundred, 50, 50 * time.Millisecond},
		{"1..100 p90", hundred, 90, 90 * time.Millisecond},
		{"1..100 p99", hundred, 99, 99 * time.Millisecond},
		{"1..100 p100", hundred, 100, 100 * time.Millisecond},
		{"1..100 p99.5", hundred, 99.5, 100 * time.Millisecond},
		// nearest rank of p50 over 4 samples is the 2nd, of p75 the 3rd
		{"four p50", durations(10, 20, 30, 40), 50, 20 * time.Millisecond},
		{"four p75", durations(10, 20, 30, 40), 75, 30 * time.Millisecond},
		{"four p76", durations(10, 20, 30, 40), 76, 40 * time.Millisecond},
		{"over 100 clamps", durations(1, 2), 150, 2 * time.Millisecond},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: percentile(p=%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarizeUnsorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s []time.Duration
	for _, i := range r.Perm(1000) {
		s = append(s, time.Duration(i+1)*time.Millisecond) // 1..1000 ms shuffled
	}
	sum := summarize(s, 2*time.Second)
	if sum.Count != 1000 || sum.Min != 1 || sum.Max != 1000 {
		t.Fatalf("count/min/max = %d/%v/%v", sum.Count, sum.Min, sum.Max)
	}
	if sum.P50 != 500 || sum.P90 != 900 || sum.P99 != 990 {
		t.Fatalf("p50/p90/p99 = %v/%v/%v, want 500/900/990", sum.P50, sum.P90, sum.P99)
	}
	if sum.Mean != 500.5 {
		t.Fatalf("mean = %v, want 500.5", sum.Mean)
	}
	if sum.PerSec != 500 {
		t.Fatalf("per sec = %v, want 500", sum.PerSec)
	}
	if z := summarize(nil, time.Second); z.Count != 0 || z.P99 != 0 {
		t.Fatalf("empty summary = %+v", z)
	}
}

func TestSummarizeNegative(t *testing.T) {
	// idle latencies can be negative (EXISTS before the LMTP reply).
	sum := summarize(durations(-3, 5, 1), 0)
	if sum.Min != -3 || sum.P50 != 1 || sum.Max != 5 || sum.PerSec != 0 {
		t.Fatalf("summary = %+v", sum)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	rec := newRecorder(false)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 100; i++ {
				rec.add("op", time.Millisecond)
				if i%10 == 0 {
					rec.fail("550 5.1.1", nil)
				}
			}
			done <- struct{}{}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	if got := rec.summaries(time.Second)["op"].Count; got != 800 {
		t.Fatalf("count = %d, want 800", got)
	}
	if got := rec.errorsCopy()["550 5.1.1"]; got != 80 || rec.errorCount() != 80 {
		t.Fatalf("errors = %d, want 80", got)
	}
}

func TestResultOutput(t *testing.T) {
	cfg := &config{lmtpAddr: "127.0.0.1:1", imapAddr: "127.0.0.1:2", users: 3, n: 5, c: 1}
	res := newResult("lmtp", cfg)
	res.metric("messages/s", 123.4, "msg/s")
	res.Latency["deliver"] = summarize(durations(1, 2, 3), time.Second)
	res.Errors["550 5.1.1"] = 2
	var tb bytes.Buffer
	res.WriteTable(&tb)
	for _, want := range []string{"scenario lmtp", "messages/s", "deliver", "p99 ms", "550 5.1.1"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	var jb bytes.Buffer
	if err := res.WriteJSON(&jb); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(jb.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Latency["deliver"].P50 != 2 || back.Errors["550 5.1.1"] != 2 || back.Metrics[0].Value != 123.4 {
		t.Fatalf("round trip = %+v", back)
	}
}

func TestParseKB(t *testing.T) {
	status := "Name:\tcat\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nRssAnon:\t 100 kB\n"
	if got, err := parseKB(strings.NewReader(status), "VmRSS:"); err != nil || got != 1234*1024 {
		t.Fatalf("VmRSS = %d, %v", got, err)
	}
	if got, err := parseKB(strings.NewReader("Name:\tkthreadd\n"), "VmRSS:"); err != nil || got != 0 {
		t.Fatalf("kernel thread VmRSS = %d, %v", got, err)
	}
	self, err := sampleRSS(os.Getpid())
	if err != nil || self.Process <= 0 || self.Tree < self.Process || self.Procs < 1 {
		t.Fatalf("sampleRSS(self) = %+v, %v", self, err)
	}
}
