package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startupExitWithin bounds how long a chapar serve that cannot start may
// take to exit. A failed start-up closes what it had started, JetStream
// included, which takes well under a second; the bound leaves room for a
// loaded machine.
const startupExitWithin = 20 * time.Second

// A chapar serve whose start-up fails at any step, the first listener or
// the last, exits non-zero within seconds with one error naming the option
// and the address, and lets go of every port it had bound: it used to hang
// in node.close with LMTP still accepting (a server's Serve that had not yet
// registered its listener when close called its Close went on accepting),
// so that systemd never restarted it and the MTA kept delivering to it.
func TestServeStartupFailureExitsAndReleasesPorts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		option string
		// unix takes a Unix socket, not a TCP port.
		unix bool
		// lmtpUp says LMTP is listening before the step that fails.
		lmtpUp bool
	}{
		{name: "nats", option: "nats_listen"}, // the first step: before the bus
		{name: "lmtp", option: "lmtp_listen"}, // the first listener
		{name: "sieve", option: "sieve_listen", lmtpUp: true},
		{name: "http", option: "http_listen", lmtpUp: true},               // the last TCP listener
		{name: "admin", option: "admin_socket", unix: true, lmtpUp: true}, // the last step
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Held by the test for the whole run: the port (or socket) is
			// taken, as another instance would hold it.
			network, addr := "tcp", "127.0.0.1:0"
			if tc.unix {
				network, addr = "unix", filepath.Join(t.TempDir(), "taken")
			}
			taken, err := net.Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			addr = taken.Addr().String()
			extra := []string{tc.option + ": " + addr}
			if tc.option == "nats_listen" {
				extra = append(extra, "nats_auth_file: "+filepath.Join(t.TempDir(), "nats-auth"))
			}
			in := newInstance(t, extra...)
			if tc.option == "nats_listen" {
				// A listener with no identity in its file is refused before
				// start-up gets to the port.
				in.mustChapar("wpass\n", "nats-user", "add", "w", "--role", "worker", "--password-stdin")
			}

			out, exitErr := runFailingServe(t, in)
			var ee *exec.ExitError
			if !errors.As(exitErr, &ee) || ee.ExitCode() <= 0 {
				t.Fatalf("chapar serve with %s taken: exit %v, want a non-zero status; log:\n%s", tc.option, exitErr, out)
			}
			want := "chapar: " + tc.option + " " + addr + ": "
			if n := strings.Count(out, want); n != 1 {
				t.Errorf("the log has %d lines starting %q, want 1; log:\n%s", n, want, out)
			}

			addrs, err := listening(filepath.Join(in.dir, "serve.log"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.lmtpUp {
				return
			}
			lmtp := addrs["lmtp"]
			if lmtp == "" {
				t.Fatalf("no LMTP listener logged before %s failed; log:\n%s", tc.option, out)
			}
			l, err := net.Listen("tcp", lmtp)
			if err != nil {
				t.Fatalf("LMTP's port %s after the failed start-up: %v, want it free", lmtp, err)
			}
			l.Close()
			if _, err := os.Stat(filepath.Join(in.dir, "socket", "lmtp")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("LMTP's Unix socket after the failed start-up: %v, want it removed", err)
			}
		})
	}
}

// runFailingServe runs chapar serve on in's configuration, expecting it to
// give up, and returns its log and how it exited. Past startupExitWithin
// it takes a goroutine dump (SIGQUIT), which shows what start-up waits on,
// and fails the test.
func runFailingServe(t *testing.T, in *instance) (string, error) {
	t.Helper()
	logPath := filepath.Join(in.dir, "serve.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(chaparBin, "serve", "-C", in.conf)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return in.log(), err
	case <-time.After(startupExitWithin):
	}
	cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	t.Fatalf("chapar serve still running %s after its start-up failed; log and goroutines:\n%s", startupExitWithin, in.log())
	return "", nil
}

// The cause of the hang, without the race: a server's Close that runs
// before its Serve has taken the listener closes nothing (go-smtp's, for
// one, closes only the listeners Serve registered), and that Serve then
// accepts for ever. close must end it all the same, and free the port.
func TestCloseEndsAServeStartedAfterItsServersClose(t *testing.T) {
	t.Parallel()
	_, cancel := context.WithCancel(context.Background())
	n := &node{log: slog.New(slog.DiscardHandler), cancel: cancel}
	// Opened by the server's Close: only then may Serve start.
	serverClosed := make(chan struct{})
	n.closers = append(n.closers, func() error { close(serverClosed); return nil })
	err := n.listen("lmtp", "lmtp_listen", []string{"127.0.0.1:0"}, func(l net.Listener) error {
		<-serverClosed
		for {
			c, err := l.Accept()
			if err != nil {
				return fmt.Errorf("accept: %w", err)
			}
			c.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := n.listeners[0].Addr().String()
	closed := make(chan struct{})
	go func() { n.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(startupExitWithin):
		t.Fatal("close still waiting for a Serve whose server's Close came first")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the port %s after close: %v, want it free", addr, err)
	}
	l.Close()
}
