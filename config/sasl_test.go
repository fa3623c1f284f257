package config

import (
	"slices"
	"strings"
	"testing"
)

// sasl_mech_list and sasl_scram_iteration_counter are read, not reported
// as unimplemented; an empty list means every mechanism, as unset.
func TestSASLKeys(t *testing.T) {
	t.Parallel()
	c, w := parse(t, "sasl_mech_list: SCRAM-SHA-256 plain\nsasl_scram_iteration_counter: 10000\n")
	if !slices.Equal(c.SASLMechList, []string{"SCRAM-SHA-256", "plain"}) || c.SASLSCRAMIterations != 10000 {
		t.Errorf("mech list %q, iterations %d", c.SASLMechList, c.SASLSCRAMIterations)
	}
	for _, x := range w {
		if strings.Contains(x.Msg, "sasl_") {
			t.Errorf("warning %q", x.Msg)
		}
	}
	if c, _ := parse(t, "sasl_mech_list:\n"); c.SASLMechList != nil {
		t.Errorf("empty sasl_mech_list: %q, want nil (all)", c.SASLMechList)
	}
	if c := Default(); c.SASLMechList != nil || c.SASLSCRAMIterations != 0 {
		t.Errorf("defaults %q %d", c.SASLMechList, c.SASLSCRAMIterations)
	}
	if err := parseErr(t, "sasl_scram_iteration_counter: 0\n"); !strings.Contains(err.Error(), "sasl_scram_iteration_counter") {
		t.Errorf("iteration count 0: %v", err)
	}
}
