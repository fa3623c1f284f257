package sieve

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A run-time error yields the implicit keep alone, and the error.
func TestRunErrorKeeps(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, script, err string }{
		{"reject with fileinto", `require ["reject","fileinto"]; fileinto "Work"; reject "no";`, "reject cannot be used"},
		{"fileinto then reject", `require ["reject"]; reject "no"; keep;`, "reject cannot be used"},
		{"too many redirects", `redirect "a@b.c"; redirect "b@b.c"; redirect "c@b.c";`, "more than 2 redirects"},
		{"bad redirect from a variable", `require "variables"; set "a" "nobody"; redirect "${a}";`, "not an address"},
		{"bad pattern from a variable", `require ["variables","regex"]; set "p" "("; if header :regex "subject" "${p}" { discard; }`, "bad pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compile([]byte(c.script), CompileOptions{MaxRedirects: 2})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want an error with %q", err, c.err)
			}
			if describe(res) != "implicit" {
				t.Errorf("got %s, want the implicit keep alone", describe(res))
			}
		})
	}
}

// A script that runs too long is cut off by the step counter; the same
// script under a larger limit runs to the end.
func TestStepLimit(t *testing.T) {
	t.Parallel()
	// Each rule tests every value of a large list of keys: cheap to write,
	// many comparisons to run.
	keys := `"` + strings.Repeat(`nomatch", "`, 100) + `nomatch"`
	src := `require "fileinto"; ` + strings.Repeat(`if header :contains ["subject","from","to"] [`+keys+`] { discard; } `, 20) + `fileinto "Work";`
	s, err := Compile([]byte(src), CompileOptions{MaxSteps: 5000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "5000 steps") {
		t.Fatalf("got %v, want the step limit", err)
	}
	if describe(res) != "implicit" {
		t.Errorf("got %s, want the implicit keep", describe(res))
	}
	big, err := Compile([]byte(src), CompileOptions{MaxSteps: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	res, err = big.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
	if err != nil || describe(res) != "fileinto:Work" {
		t.Fatalf("with room: %v, %s", err, describe(res))
	}
}

// A cancelled context stops a long run.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	keys := `"` + strings.Repeat(`nomatch", "`, 2000) + `nomatch"`
	s := compileT(t, `if header :contains "subject" [`+keys+`] { discard; }`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx, []byte(testMessage), testEnvelope, newHost()); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// A long pattern over a large body counts by its size, so that it is cut
// off like a long script instead of running for seconds.
func TestPatternCost(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("all work and no play makes jack a dull boy\r\n", 5000)
	msg := "From: a@b.c\r\nSubject: x\r\n\r\n" + body
	pattern := strings.Repeat("*a?", 1000) + "z"
	s := compileT(t, `require "body"; if body :matches "`+pattern+`" { discard; }`)
	_, err := s.Run(context.Background(), []byte(msg), testEnvelope, newHost())
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "steps") {
		t.Fatalf("got %v, want the step limit", err)
	}
	small := compileT(t, `require "body"; if body :contains "JACK A DULL" { discard; }`)
	res, err := small.Run(context.Background(), []byte(msg), testEnvelope, newHost())
	if err != nil || describe(res) != "discard" {
		t.Fatalf("a substring over the same body: %v %s", err, describe(res))
	}
}

// One compiled script serves concurrent deliveries (run with -race).
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	h := newHost()
	h.scripts["global:g"] = `require ["fileinto","variables","include"]; global "box"; set "box" "Work";`
	s := compileT(t, `require ["fileinto","variables","include","regex"]; global "box"; include :global "g"; if header :regex "subject" "^(Q[a-z]+)" { fileinto "${box}.${1}"; }`)
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, h)
			if err != nil {
				done <- err.Error()
				return
			}
			done <- describe(res)
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != "fileinto:Work.Quarterly" {
			t.Errorf("run %d: %s", i, got)
		}
	}
}
