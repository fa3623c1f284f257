package acceptretry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"chapar/internal/acceptretry"
	"chapar/internal/testkit"
)

// warnCounter counts Warn records: one per streak of accept failures.
type warnCounter struct{ n atomic.Int64 }

func (w *warnCounter) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		w.n.Add(1)
	}
	return nil
}
func (w *warnCounter) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnCounter) WithGroup(string) slog.Handler      { return w }

// Real descriptor exhaustion: a child process lowers RLIMIT_NOFILE, fills
// it with connections until accept(2) fails with EMFILE, frees them, and
// checks that the same listener then accepts again. In a child, since the
// limit is the whole process's.
func TestRealDescriptorExhaustion(t *testing.T) {
	if os.Getenv("CHAPAR_FD_CHILD") == "1" {
		if err := fdChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealDescriptorExhaustion$")
	cmd.Env = append(os.Environ(), "CHAPAR_FD_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 0 && string(out[:min(len(out), 5)]) == "skip:" {
			t.Skip(string(out))
		}
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func fdChild() error {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	warns := &warnCounter{}
	l := acceptretry.Wrap(inner, slog.New(warns), "test")
	accepted := make(chan net.Conn, 1024)
	loopErr := make(chan error, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				loopErr <- err
				return
			}
			accepted <- c
		}
	}()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("skip: getrlimit:", err)
		os.Exit(1)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		fmt.Println("skip: no /proc/self/fd:", err)
		os.Exit(1)
	}
	lim.Cur = uint64(len(entries) + 20)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("skip: setrlimit:", err)
		os.Exit(1)
	}
	// Dial until the process is out of descriptors: by then the server
	// side has taken what was left and Accept is failing with EMFILE.
	var clients []net.Conn
	for len(clients) < 200 {
		c, err := net.DialTimeout("tcp", inner.Addr().String(), 5*time.Second)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				return fmt.Errorf("dial: %w", err)
			}
			break
		}
		clients = append(clients, c)
	}
	// The dial that failed never reached the backlog, so if the acceptor
	// kept up, accept(2) is blocked rather than failing. Trade one client
	// descriptor for a connection waiting in the backlog: the acceptor
	// then has a connection to take and no descriptor to take it with.
	for i := 0; i < 50 && warns.n.Load() == 0 && len(clients) > 0; i++ {
		clients[len(clients)-1].Close()
		c, err := net.DialTimeout("tcp", inner.Addr().String(), 5*time.Second)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				return fmt.Errorf("dial: %w", err)
			}
			clients = clients[:len(clients)-1]
			continue
		}
		clients[len(clients)-1] = c
		time.Sleep(20 * time.Millisecond)
	}
	var returned error
	if err := testkit.Poll(10*time.Second, func() error {
		select {
		case returned = <-loopErr:
			return nil
		default:
		}
		if warns.n.Load() == 0 {
			return errors.New("accept never failed with the descriptors exhausted")
		}
		return nil
	}); err != nil {
		return err
	}
	if returned != nil {
		return fmt.Errorf("accept loop returned with the descriptors exhausted: %w", returned)
	}
	// Free everything; what was queued and a new connection are accepted.
	for _, c := range clients {
		c.Close()
	}
	for drained := false; !drained; {
		select {
		case c := <-accepted:
			c.Close()
		default:
			drained = true
		}
	}
	c, err := net.DialTimeout("tcp", inner.Addr().String(), 5*time.Second)
	if err != nil {
		return fmt.Errorf("dial after freeing: %w", err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-accepted:
			remote := s.RemoteAddr().String()
			s.Close()
			if remote == local {
				return nil
			}
		case err := <-loopErr:
			return fmt.Errorf("accept loop returned: %w", err)
		case <-timeout:
			return errors.New("the connection made after freeing descriptors was never accepted")
		}
	}
}
