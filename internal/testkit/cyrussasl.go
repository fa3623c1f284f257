package testkit

import (
	"path/filepath"
	"testing"
)

// CyrusSCRAMMissing is why a Cyrus client (imtest, cyradm, sieveshell)
// cannot log in with SCRAM here: Cyrus SASL's SCRAM plugin is not
// installed; "" when it is.
func CyrusSCRAMMissing() string {
	if m, _ := filepath.Glob("/usr/lib/*/sasl2/libscram.so*"); len(m) == 0 {
		return "Cyrus SASL's SCRAM plugin is not installed (Debian package libsasl2-modules; .ci/run installs it)"
	}
	return ""
}

// NeedCyrusSCRAM skips a test that drives a Cyrus client through SCRAM
// where the plugin is missing.
func NeedCyrusSCRAM(tb testing.TB) {
	tb.Helper()
	if why := CyrusSCRAMMissing(); why != "" {
		tb.Skip(why)
	}
}
