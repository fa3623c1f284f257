package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRun stores one bench run as run.sh does: <scenario>/<server>.<round>.
func writeRun(t *testing.T, dir, scenario, server string, round int, msgPerSec float64, rc int, stderr string) {
	t.Helper()
	base := filepath.Join(dir, scenario, fmt.Sprintf("%s.%d", server, round))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	js := ""
	if rc == 0 {
		js = fmt.Sprintf(`{"scenario":"lmtp","metrics":[{"name":"messages/s","value":%g,"unit":"msg/s"}],`+
			`"latency":{"deliver":{"count":10,"p50_ms":2,"p99_ms":9}}}`, msgPerSec)
	}
	for ext, text := range map[string]string{".json": js, ".rc": fmt.Sprint(rc), ".log": stderr} {
		if err := os.WriteFile(base+ext, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLmtpSieveTableComparesWithPeersAndWithLmtp reads runs of lmtp and
// lmtp-sieve and checks the lmtp-sieve table: the ratio to the faster peer,
// each server's messages/s over its own lmtp figure, the script checks,
// and a server whose script was not active shown as failed, not measured.
func TestLmtpSieveTableComparesWithPeersAndWithLmtp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for round := 1; round <= 2; round++ {
		writeRun(t, dir, "lmtp", "chapar", round, 1000, 0, "")
		writeRun(t, dir, "lmtp", "cyrus", round, 300, 0, "")
		writeRun(t, dir, "lmtp", "dovecot", round, 400, 0, "")
		writeRun(t, dir, "lmtp-sieve", "chapar", round, 950, 0, "")
		writeRun(t, dir, "lmtp-sieve", "cyrus", round, 250, 0, "")
		writeRun(t, dir, "lmtp-sieve", "dovecot", round, 0, 1, "no script active: sieve on failed: sievec missing\n")
	}
	metaPath := filepath.Join(dir, "meta.txt")
	meta := "date=today\nrounds=2\nsieve_check_chapar=ok\nsieve_check_cyrus=ok\nsieve_check_dovecot=failed: sieve on failed: sievec missing\n"
	if err := os.WriteFile(metaPath, []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "BENCHMARKS.md")
	if err := writeMarkdown(dir, metaPath, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	_, table, ok := strings.Cut(md, "## LMTP delivery with a 20-rule Sieve script (`lmtp-sieve`)")
	if !ok {
		t.Fatalf("no lmtp-sieve section in:\n%s", md)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	for _, want := range []string{
		"| messages/s | 950 | 250 | failed: no script active: sieve on failed: sievec missing | 3.80× |",
		"| messages/s ÷ lmtp's messages/s (same run) | 0.95× (-5%) | 0.83× (-17%) | – |",
		"Script check (one message filed into INBOX/Invoices by rule 17): chapar: ok; Cyrus: ok; Dovecot: failed: sieve on failed: sievec missing.",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("lmtp-sieve section lacks %q:\n%s", want, table)
		}
	}
	// The plain lmtp table is untouched by the sieve rows.
	_, lmtp, _ := strings.Cut(md, "## LMTP delivery (`lmtp`)")
	lmtp, _, _ = strings.Cut(lmtp, "\n## ")
	if strings.Contains(lmtp, "÷") || strings.Contains(lmtp, "Script check") {
		t.Errorf("lmtp section has sieve rows:\n%s", lmtp)
	}
}
