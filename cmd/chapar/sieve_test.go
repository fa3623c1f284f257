package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapar/filter/sieve"
	"chapar/internal/testkit"
)

// sieve_extensions takes the language's names and Cyrus's, in any case,
// and nothing else.
func TestKnownSieveExtension(t *testing.T) {
	t.Parallel()
	for _, e := range sieve.AllExtensions() {
		if !knownSieveExtension(e) {
			t.Errorf("%q, which chapar implements, is refused", e)
		}
	}
	for _, e := range []string{"notify", "vacation_seconds", "FileInto"} {
		if !knownSieveExtension(e) {
			t.Errorf("%q is refused", e)
		}
	}
	for _, e := range []string{"vacaton", "imapflags", "ihave", ""} {
		if knownSieveExtension(e) {
			t.Errorf("%q, which chapar does not implement, is accepted", e)
		}
	}
}

// An unknown extension stops start-up (every command reads the file
// through loadConfig) with the line that names it.
func TestUnknownSieveExtensionStopsStartup(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "imapd.conf")
	text := "configdirectory: " + t.TempDir() + "\n" +
		"sieve_extensions: fileinto regexp\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig(path, testkit.Quiet())
	want := path + `:2: sieve_extensions: unknown Sieve extension "regexp"`
	if err == nil || err.Error() != want {
		t.Errorf("loadConfig = %v, want %q", err, want)
	}
}

// The sieve stage, ManageSieve and "chapar sieve put" compile with the
// configured extensions and size.
func TestSieveOptionsFollowTheConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "imapd.conf")
	text := "configdirectory: " + t.TempDir() + "\n" +
		"sieve_extensions: fileinto\n" +
		"sieve_maxscriptsize: 1\n" // KiB
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, testkit.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	check := checkSieveScript(cfg)
	if err := check("alice", []byte(`require "fileinto"; fileinto "A";`)); err != nil {
		t.Errorf("fileinto refused: %v", err)
	}
	if err := check("alice", []byte(`require "vacation"; vacation "away";`)); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("vacation, not in sieve_extensions: %v, want an error on line 1", err)
	}
	big := "keep;\n" + strings.Repeat("# padding\n", 110)
	if err := check("alice", []byte(big)); err == nil {
		t.Errorf("a %d-byte script passed sieve_maxscriptsize 1K", len(big))
	}
}
