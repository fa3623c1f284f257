package config

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// debianKeys returns the options Debian's default imapd.conf (as the
// cyrus-common package installs it; copied into testdata) sets, in order.
func debianKeys(t *testing.T, text string) []string {
	t.Helper()
	var keys []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("not an option line: %q", line)
		}
		keys = append(keys, strings.ToLower(strings.TrimSpace(k)))
	}
	return keys
}

// Configuration honesty: every option Debian's default imapd.conf sets
// is implemented, reported at start-up as accepted and not implemented, or
// reported as done under another name. None is silently ignored or
// "unknown". The one chapar refuses is sasl_pwcheck_method: auxprop (it
// checks passwords only in its own store), and the file works once that
// line says chapar.
func TestDebianDefaultImapdConf(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/debian-imapd.conf")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	keys := debianKeys(t, text)
	if len(keys) < 20 {
		t.Fatalf("found %d options in Debian's imapd.conf; the copy is not the default file", len(keys))
	}

	_, _, err = Parse(strings.NewReader(text), "imapd.conf")
	if err == nil || !strings.Contains(err.Error(), `sasl_pwcheck_method: "auxprop" is not supported`) {
		t.Fatalf("Debian's file as it is: %v, want sasl_pwcheck_method auxprop refused", err)
	}

	fixed := strings.Replace(text, "sasl_pwcheck_method: auxprop", "sasl_pwcheck_method: chapar", 1)
	_, warns, err := Parse(strings.NewReader(fixed), "imapd.conf")
	if err != nil {
		t.Fatalf("Debian's file with sasl_pwcheck_method: chapar: %v", err)
	}
	warned := map[string]string{}
	for _, w := range warns {
		if strings.Contains(w.Msg, "unknown option") {
			t.Errorf("%s", w)
		}
		for _, k := range keys {
			if strings.Contains(w.Msg, `option "`+k+`"`) {
				warned[k] = w.Msg
			}
		}
	}
	for _, k := range keys {
		_, known := knownKeys[k]
		_, ni := notImplementedKeys[k]
		_, replaced := replacedKeys[k]
		switch {
		case strings.HasPrefix(k, "partition-") || known:
			if msg, ok := warned[k]; ok {
				t.Errorf("%s is implemented but warned about: %s", k, msg)
			}
		case ni:
			if want := "accepted, not implemented"; !strings.Contains(warned[k], want) {
				t.Errorf("%s: warning %q, want %q", k, warned[k], want)
			}
		case replaced:
			if want := "use " + replacedKeys[k]; !strings.Contains(warned[k], want) {
				t.Errorf("%s: warning %q, want %q", k, warned[k], want)
			}
		default:
			t.Errorf("%s is neither implemented nor reported", k)
		}
	}
}
