package managesieve

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chapar/access/sasl"
	"chapar/internal/testkit"
)

// Real ManageSieve clients from Debian's packages: sieve-connect and
// Cyrus's sieveshell (cyrus-admin). .ci/run installs both.

const clientScript = "require [\"fileinto\"];\nif header :contains \"subject\" \"report\" {\n  fileinto \"Reports\";\n}\n"

func TestSieveConnectUploadsListsActivatesAndDownloads(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("sieve-connect")
	if err != nil {
		t.Skip("sieve-connect is not installed (Debian package sieve-connect; .ci/run installs it)")
	}
	addr, st := testServer(t, nil)
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	local := filepath.Join(dir, "rules.sieve")
	if err := os.WriteFile(local, []byte(clientScript), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString("secret\n")
		w.Close()
		cmd := exec.Command(bin, append([]string{"--server", host, "--port", port, "--user", "alice",
			"--authmech", "PLAIN", "--notlsverify", "--passwordfd", "3"}, args...)...)
		cmd.ExtraFiles = []*os.File{r}
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		r.Close()
		if err != nil {
			t.Fatalf("sieve-connect %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("--upload", "--localsieve", local, "--remotesieve", "rules")
	run("--activate", "--remotesieve", "rules")
	if out := run("--list"); !strings.Contains(out, "rules") {
		t.Errorf("--list: %q", out)
	}
	run("--download", "--remotesieve", "rules", "--localsieve", filepath.Join(dir, "back.sieve"))
	back, err := os.ReadFile(filepath.Join(dir, "back.sieve"))
	if err != nil || !bytes.Equal(back, []byte(clientScript)) {
		t.Errorf("downloaded %q (%v), want the uploaded script", back, err)
	}
	name, text, err := st.ActiveSieveScript("alice")
	if err != nil || name != "rules" || string(text) != clientScript {
		t.Errorf("store: active %q %q %v", name, text, err)
	}
}

func TestSieveshellPutsActivatesAndLists(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("sieveshell")
	if err != nil {
		t.Skip("sieveshell is not installed (Debian package cyrus-admin; .ci/run installs it)")
	}
	addr, st := testServer(t, nil)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vacation.script"), []byte(clientScript), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--user=bob", "--authname=bob", "--password=secret",
		"--exec=put vacation.script vacation\nactivate vacation\nlist\n", addr)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sieveshell: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "vacation") || !strings.Contains(string(out), "active") {
		t.Errorf("sieveshell list: %q", out)
	}
	name, text, err := st.ActiveSieveScript("bob")
	if err != nil || name != "vacation" || string(text) != clientScript {
		t.Errorf("store: active %q %q %v", name, text, err)
	}
}

// sieveshell logs in with Cyrus SASL's own SCRAM-SHA-256 (the SCRAM
// plugin of libsasl2-modules) when that is all the server offers:
// sasl_mech_list narrows the choice to it.
func TestSieveshellSCRAM(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("sieveshell")
	if err != nil {
		t.Skip("sieveshell is not installed (Debian package cyrus-admin; .ci/run installs it)")
	}
	testkit.NeedCyrusSCRAM(t)
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-1"} {
		addr, _ := testServer(t, func(c *Config) {
			c.SASL = &sasl.Config{Mechanisms: []string{mech}, CheckPassword: c.Store.Authenticate, SCRAMKeys: c.Store.SCRAMKeys}
		})
		for _, tc := range []struct {
			password string
			ok       bool
		}{{"secret", true}, {"wrong", false}} {
			cmd := exec.Command(bin, "--user=bob", "--authname=bob", "--password="+tc.password, "--exec=list\n", addr)
			out, err := cmd.CombinedOutput()
			failed := err != nil || strings.Contains(string(out), "unable to connect") || strings.Contains(string(out), "failed")
			if failed == tc.ok {
				t.Errorf("sieveshell over %s, password %q: %v\n%s", mech, tc.password, err, out)
			}
		}
	}
}
