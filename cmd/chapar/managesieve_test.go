package main

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The binary's ManageSieve service, its admin "chapar sieve" commands and
// sieve_extensions, end to end: the instance enables fileinto only, so a
// script requiring vacation is refused as the sieve stage would refuse it.
func TestManageSieveThroughTheBinary(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "sieve_extensions: fileinto")
	in.start()
	in.addUser("alice")
	if in.sieveAddr() == "" {
		t.Fatalf("no managesieve listener logged; log:\n%s", in.log())
	}
	const good = "require \"fileinto\";\nif header :contains \"subject\" \"report\" {\n  fileinto \"Reports\";\n}\n"
	const bad = "require \"fileinto\";\nfrobnicate;\n"
	const vacation = "# needs vacation\nrequire \"vacation\";\nvacation \"away\";\n"

	t.Run("sieve-connect", func(t *testing.T) {
		bin, err := exec.LookPath("sieve-connect")
		if err != nil {
			t.Skip("sieve-connect is not installed (Debian package sieve-connect; .ci/run installs it)")
		}
		host, port, _ := net.SplitHostPort(in.sieveAddr())
		dir := t.TempDir()
		local := filepath.Join(dir, "rules.sieve")
		if err := os.WriteFile(local, []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"--upload", "--localsieve", local, "--remotesieve", "rules"},
			{"--activate", "--remotesieve", "rules"},
		} {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			w.WriteString("secret\n")
			w.Close()
			cmd := exec.Command(bin, append([]string{"--server", host, "--port", port, "--user", "alice",
				"--authmech", "PLAIN", "--notlsverify", "--passwordfd", "3"}, args...)...)
			cmd.ExtraFiles = []*os.File{r}
			out, err := cmd.CombinedOutput()
			r.Close()
			if err != nil {
				t.Fatalf("sieve-connect %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		if out := in.mustChapar("", "sieve", "list", "alice"); out != "rules  <- active\n" {
			t.Errorf("chapar sieve list alice = %q, want the uploaded script, active", out)
		}
		if out := in.mustChapar("", "sieve", "get", "alice", "rules"); out != good {
			t.Errorf("chapar sieve get alice rules = %q, want %q", out, good)
		}
	})

	t.Run("raw socket refusals", func(t *testing.T) {
		c := dialSieve(t, in.sieveAddr())
		greeting := c.untilDone()
		if !strings.Contains(greeting, `"SIEVE" "encoded-character comparator-i;ascii-numeric fileinto"`) {
			t.Errorf("greeting does not advertise exactly sieve_extensions (and the base): %q", greeting)
		}
		auth := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00secret"))
		if got := c.do(`AUTHENTICATE "PLAIN" "` + auth + `"`); !strings.HasPrefix(got, "OK") {
			t.Fatalf("AUTHENTICATE on loopback: %q", got)
		}
		for _, tc := range []struct{ cmd, script, want string }{
			{"CHECKSCRIPT", bad, "line 2"},
			{"PUTSCRIPT \"broken\"", bad, "line 2"},
			{"CHECKSCRIPT", vacation, "line 2"},
		} {
			got := c.do(fmt.Sprintf("%s {%d+}\r\n%s", tc.cmd, len(tc.script), tc.script))
			t.Logf("%s: %s", tc.cmd, got)
			if !strings.HasPrefix(got, "NO") || !strings.Contains(got, tc.want) {
				t.Errorf("%s of %q = %q, want NO naming %s", tc.cmd, tc.script, got, tc.want)
			}
		}
		if got := c.do(fmt.Sprintf("CHECKSCRIPT {%d+}\r\n%s", len(good), good)); !strings.HasPrefix(got, "OK") {
			t.Errorf("CHECKSCRIPT of a good script = %q", got)
		}
		if out := in.mustChapar("", "sieve", "list", "alice"); strings.Contains(out, "broken") {
			t.Errorf("a refused PUTSCRIPT was stored: %q", out)
		}
	})

	t.Run("admin commands", func(t *testing.T) {
		dir := t.TempDir()
		badFile := filepath.Join(dir, "bad.sieve")
		if err := os.WriteFile(badFile, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := in.chapar("", "sieve", "put", "alice", "broken", badFile)
		t.Logf("chapar sieve put of a bad script: %v", err)
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("chapar sieve put of a bad script: %v, want an error naming line 2", err)
		}
		in.mustChapar("keep;\n", "sieve", "put", "alice", "plain", "-")
		in.mustChapar("", "sieve", "activate", "alice", "plain")
		if out := in.mustChapar("", "sieve", "get", "alice", "plain"); out != "keep;\n" {
			t.Errorf("get plain = %q", out)
		}
		if _, err := in.chapar("", "sieve", "delete", "alice", "plain"); err == nil || !strings.Contains(err.Error(), "active") {
			t.Errorf("delete of the active script: %v", err)
		}
		in.mustChapar("", "sieve", "activate", "alice", "--none")
		in.mustChapar("", "sieve", "delete", "alice", "plain")
		if out := in.mustChapar("", "sieve", "list", "alice"); strings.Contains(out, "plain") || strings.Contains(out, "active") {
			t.Errorf("after deactivate and delete: %q", out)
		}
		if _, err := in.chapar("", "sieve", "list", "nobody"); err == nil {
			t.Error("sieve list of an unknown user succeeded")
		}
		// The global scripts, for include :global.
		in.mustChapar("discard;\n", "sieve", "put", "--global", "spam", "-")
		in.mustChapar("", "sieve", "activate", "--global", "spam")
		if out := in.mustChapar("", "sieve", "list", "--global"); out != "spam  <- active\n" {
			t.Errorf("sieve list --global = %q", out)
		}
		if out := in.mustChapar("", "sieve", "get", "--global", "spam"); out != "discard;\n" {
			t.Errorf("sieve get --global spam = %q", out)
		}
	})
}

// sieveConn is a raw ManageSieve connection, to send what no real client
// would.
type sieveConn struct{ *lineConn }

func dialSieve(t *testing.T, addr string) *sieveConn {
	t.Helper()
	return &sieveConn{dialLine(t, addr)}
}

// untilDone reads lines up to and including the OK, NO or BYE that ends a
// response, and returns them all.
func (s *sieveConn) untilDone() string {
	s.t.Helper()
	var b strings.Builder
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("read: %v (after %q)", err, b.String())
		}
		b.WriteString(line)
		for _, end := range []string{"OK", "NO", "BYE"} {
			if strings.HasPrefix(line, end) {
				return b.String()
			}
		}
	}
}

// do sends one command and returns its final line.
func (s *sieveConn) do(cmd string) string {
	s.t.Helper()
	if _, err := s.c.Write([]byte(cmd + "\r\n")); err != nil {
		s.t.Fatal(err)
	}
	out := s.untilDone()
	lines := strings.Split(strings.TrimRight(out, "\r\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// sasl_minimum_layer above 0 asks for TLS on loopback too, in ManageSieve
// as in IMAP: no SASL mechanism before STARTTLS, AUTHENTICATE refused with
// ENCRYPT-NEEDED, and after STARTTLS (the binary's self-signed pair) the
// same password logs in.
func TestManageSieveMinimumLayerNeedsTLS(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "sasl_minimum_layer: 1")
	in.start()
	in.addUser("alice")
	c := dialSieve(t, in.sieveAddr())
	greeting := c.untilDone()
	if !strings.Contains(greeting, "\"SASL\" \"\"") || !strings.Contains(greeting, "\"STARTTLS\"") {
		t.Errorf("greeting before TLS: %q, want no SASL mechanism and STARTTLS", greeting)
	}
	if !strings.Contains(greeting, `"NOTIFY" "mailto"`) || !strings.Contains(greeting, `"MAXSCRIPTSIZE" "32768"`) {
		t.Errorf("greeting: %q, want NOTIFY mailto and the default 32K limit", greeting)
	}
	auth := `AUTHENTICATE "PLAIN" "` + base64.StdEncoding.EncodeToString([]byte("\x00alice\x00secret")) + `"`
	if got := c.do(auth); !strings.HasPrefix(got, "NO (ENCRYPT-NEEDED)") {
		t.Errorf("AUTHENTICATE without TLS = %q, want NO (ENCRYPT-NEEDED)", got)
	}
	if got := c.do("STARTTLS"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("STARTTLS = %q", got)
	}
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	if caps := c.untilDone(); !strings.Contains(caps, `"SASL" "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN"`) {
		t.Errorf("capabilities under TLS: %q", caps)
	}
	if got := c.do(auth); !strings.HasPrefix(got, "OK") {
		t.Errorf("AUTHENTICATE under TLS = %q", got)
	}
}
