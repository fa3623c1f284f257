package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/access/admin"
)

// These tests drive the real binary: TestMain builds it once, and each test
// starts it on its own data directory and loopback ports.

var chaparBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chapar-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	chaparBin = filepath.Join(dir, "chapar")
	out, err := exec.Command("go", "build", "-o", chaparBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building chapar: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is one chapar serve process and its configuration.
type instance struct {
	t       *testing.T
	dir     string
	conf    string
	lmtp    string
	imap    string
	socket  string
	cmd     *exec.Cmd
	logFile *os.File
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// newInstance writes an imapd.conf for a fresh data directory. extra lines
// are appended to it.
func newInstance(t *testing.T, extra ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	in := &instance{t: t, dir: dir, lmtp: freePort(t), imap: freePort(t)}
	in.socket = filepath.Join(dir, "socket", "admin")
	in.conf = filepath.Join(dir, "imapd.conf")
	conf := strings.Join(append([]string{
		"# written by the end-to-end tests",
		"configdirectory: " + filepath.Join(dir, "data"),
		"partition-default: " + filepath.Join(dir, "spool"),
		"lmtp_listen: " + in.lmtp + " " + filepath.Join(dir, "socket", "lmtp"),
		"imap_listen: " + in.imap,
		"admin_socket: " + in.socket,
		"servername: chapar.test",
	}, extra...), "\n") + "\n"
	if err := os.WriteFile(in.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.kill)
	return in
}

// start runs chapar serve and waits until LMTP and the admin socket answer.
func (in *instance) start() {
	in.t.Helper()
	f, err := os.OpenFile(filepath.Join(in.dir, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		in.t.Fatal(err)
	}
	in.logFile = f
	in.cmd = exec.Command(chaparBin, "serve", "-C", in.conf)
	in.cmd.Stdout, in.cmd.Stderr = f, f
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", in.lmtp); err == nil {
			c.Close()
			if c, err := net.Dial("unix", in.socket); err == nil {
				c.Close()
				return
			}
		}
		if in.cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.t.Fatalf("chapar serve did not come up; log:\n%s", in.log())
}

// kill ends the server with SIGKILL: no shutdown code runs.
func (in *instance) kill() {
	if in.cmd != nil && in.cmd.Process != nil {
		in.cmd.Process.Kill()
		in.cmd.Wait()
		in.cmd = nil
	}
	if in.logFile != nil {
		in.logFile.Close()
		in.logFile = nil
	}
}

// stop ends the server with SIGTERM and waits for a clean exit.
func (in *instance) stop() {
	in.t.Helper()
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			in.t.Errorf("chapar serve exited with %v; log:\n%s", err, in.log())
		}
	case <-time.After(20 * time.Second):
		in.cmd.Process.Kill()
		in.t.Errorf("chapar serve did not stop on SIGINT; log:\n%s", in.log())
	}
	in.cmd = nil
	in.logFile.Close()
	in.logFile = nil
}

func (in *instance) log() string {
	b, _ := os.ReadFile(filepath.Join(in.dir, "serve.log"))
	return string(b)
}

// chapar runs an admin command and returns its standard output.
func (in *instance) chapar(stdin string, args ...string) (string, error) {
	cmd := exec.Command(chaparBin, append(args, "-C", in.conf)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("chapar %v: %v: %s", args, err, errOut.String())
	}
	return out.String(), nil
}

func (in *instance) mustChapar(stdin string, args ...string) string {
	in.t.Helper()
	out, err := in.chapar(stdin, args...)
	if err != nil {
		in.t.Fatal(err)
	}
	return out
}

func (in *instance) addUser(name string) {
	in.t.Helper()
	in.mustChapar("secret\n", "user", "add", name, "--password-stdin")
}

func (in *instance) examine(mailbox string) admin.Examination {
	in.t.Helper()
	var ex admin.Examination
	out := in.mustChapar("", "mbexamine", mailbox, "--json")
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		in.t.Fatalf("mbexamine --json: %v\n%s", err, out)
	}
	return ex
}
