package sieve

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// RFC 6609: personal and global scripts, :once, :optional, return,
// global variables, and refused cycles.
func TestInclude(t *testing.T) {
	t.Parallel()
	h := newHost()
	h.scripts["personal:lists"] = `require ["fileinto","include"]; if header :contains "subject" "report" { fileinto "Work"; return; } discard;`
	h.scripts["global:spam"] = `require ["variables","include"]; global "verdict"; if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10" { set "verdict" "spam"; }`
	h.scripts["global:spam"] = `require ["variables","include","relational","comparator-i;ascii-numeric"]; global "verdict"; if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10" { set "verdict" "spam"; }`
	h.scripts["personal:loop-a"] = `require "include"; include "loop-b";`
	h.scripts["personal:loop-b"] = `require "include"; include "loop-a";`
	h.scripts["personal:flag"] = `require ["include","imap4flags"]; addflag "x";`
	h.scripts["personal:stopper"] = `stop;`

	cases := []struct {
		name, script, want, err string
	}{
		{"personal with return", `require "include"; include "lists"; keep;`, "fileinto:Work; keep", ""},
		{"global variables", `require ["include","variables","fileinto"]; global "verdict"; include :global "spam"; fileinto "${verdict}";`, "fileinto:spam", ""},
		{"local variables stay local", `require ["include","variables","fileinto"]; include :global "spam"; fileinto "x${verdict}";`, "fileinto:x", ""},
		{"global namespace", `require ["include","variables","fileinto"]; include :global "spam"; fileinto "${global.verdict}";`, "fileinto:spam", ""},
		{"once", `require ["include","imap4flags"]; include :once "flag"; include :once "flag"; removeflag "x"; include "flag"; include "flag";`, "implicit[x]", ""},
		{"optional missing", `require "include"; include :optional "nope";`, "implicit", ""},
		{"missing is an error", `require "include"; include "nope";`, "implicit", "no such script"},
		{"stop in an include ends all", `require "include"; include "stopper"; discard;`, "implicit", ""},
		{"cycle refused", `require "include"; include "loop-a";`, "implicit", "includes itself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := compileT(t, c.script)
			res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, h)
			if c.err == "" && err != nil {
				t.Fatalf("run: %v", err)
			}
			if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("run error %v, want one with %q", err, c.err)
			}
			if got := describe(res); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// Including a script deeper than the limit is refused, even without a cycle.
func TestIncludeDepth(t *testing.T) {
	t.Parallel()
	h := newHost()
	for i := 0; i < 20; i++ {
		h.scripts["personal:s"+string(rune('a'+i))] = `require "include"; include "s` + string(rune('a'+i+1)) + `";`
	}
	s, err := Compile([]byte(`require "include"; include "sa";`), CompileOptions{MaxIncludeDepth: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, h)
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "deeper than 4") {
		t.Fatalf("got %v, want the depth refused", err)
	}
	if describe(res) != "implicit" {
		t.Errorf("got %s, want the implicit keep", describe(res))
	}
}
