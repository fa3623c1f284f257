package main

import "testing"

func TestRatio(t *testing.T) {
	ok := func(v float64) cell { return cell{v: v, ok: true} }
	cases := []struct {
		dir   direction
		c     cell
		peers []cell
		want  string
	}{
		{higher, ok(300), []cell{ok(100), ok(150)}, "2.00×"},      // chapar / best (highest) peer
		{lower, ok(5), []cell{ok(10), ok(20)}, "2.00×"},           // best (lowest) peer / chapar
		{lower, ok(5), []cell{{failed: "x"}, ok(20)}, "4.00×"},    // a failed peer is skipped
		{lower, ok(5), []cell{ok(-3), ok(20)}, ""},                // a negative peer: no best
		{lower, ok(-1), []cell{ok(10)}, ""},                       // a negative chapar
		{info, ok(5), []cell{ok(10)}, ""},                         // counts have no ratio
		{higher, ok(5), []cell{{failed: "x"}, {failed: "y"}}, ""}, // no peer at all
		{higher, cell{failed: "z"}, []cell{ok(1)}, ""},            // chapar failed
	}
	for i, tc := range cases {
		if got := ratio(tc.dir, tc.c, tc.peers); got != tc.want {
			t.Errorf("case %d: ratio = %q, want %q", i, got, tc.want)
		}
	}
}

func TestCellFor(t *testing.T) {
	res := func(v float64) *Result { return &Result{Metrics: []Metric{{Name: "m", Value: v}}} }
	rw := row{"m", higher, metric("m")}
	c := cellFor([]run{{res: res(1)}, {res: res(4)}, {rc: 1, reason: "boom"}}, rw)
	if !c.ok || c.v != 2.5 {
		t.Errorf("median of the successful runs = %+v, want 2.5", c)
	}
	c = cellFor([]run{{rc: 1, reason: "boom"}, {rc: 3, reason: "late"}}, rw)
	if c.ok || c.failed != "boom" {
		t.Errorf("all failed = %+v, want failed: boom", c)
	}
}
