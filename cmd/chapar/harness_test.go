package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/config"
	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
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

// instance is one chapar serve process and its configuration. It listens
// on port 0 and learns the ports the kernel gave it from its "listening"
// log lines, so parallel tests never race for a port.
type instance struct {
	t       *testing.T
	dir     string
	conf    string
	socket  string
	cmd     *exec.Cmd
	logFile *os.File

	// mu guards the address: a restart changes it while load
	// goroutines (the crash test) read them.
	mu    sync.Mutex
	lmtp  string // bound LMTP TCP address, set by start
	imap  string // bound IMAP TCP address, set by start
	sieve string // bound ManageSieve TCP address, set by start ("" if none)
	http  string // bound address of http_listen, set by start ("" if none)
	pop3  string // bound POP3 TCP address, set by start ("" if none)
}

// newInstance writes an imapd.conf for a fresh data directory. extra lines
// are appended to it.
func newInstance(t *testing.T, extra ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	in := &instance{t: t, dir: dir}
	in.socket = filepath.Join(dir, "socket", "admin")
	in.conf = filepath.Join(dir, "imapd.conf")
	conf := strings.Join(append([]string{
		"# written by the end-to-end tests",
		"configdirectory: " + filepath.Join(dir, "data"),
		"partition-default: " + filepath.Join(dir, "spool"),
		"lmtp_listen: 127.0.0.1:0 " + filepath.Join(dir, "socket", "lmtp"),
		"imap_listen: 127.0.0.1:0",
		"sieve_listen: 127.0.0.1:0",
		"http_listen: 127.0.0.1:0",
		"admin_socket: " + in.socket,
		"servername: chapar.test",
	}, extra...), "\n") + "\n"
	if err := os.WriteFile(in.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.kill)
	return in
}

// sieveAddr is the ManageSieve TCP address of the running (or last)
// server.
func (in *instance) sieveAddr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sieve
}

// pop3Addr is the POP3 TCP address of the running (or last) server,
// when the test's configuration sets pop3_listen.
func (in *instance) pop3Addr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.pop3
}

// httpAddr is the address of the running (or last) server's http_listen.
func (in *instance) httpAddr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.http
}

// lmtpAddr is the LMTP TCP address of the running (or last) server.
func (in *instance) lmtpAddr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.lmtp
}

// imapAddr is the IMAP TCP address of the running (or last) server.
func (in *instance) imapAddr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.imap
}

// start runs chapar serve and waits until it has logged its LMTP and IMAP
// TCP listeners and LMTP and the admin socket answer.
func (in *instance) start() {
	in.t.Helper()
	logPath := filepath.Join(in.dir, "serve.log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		in.t.Fatal(err)
	}
	// The log is appended to across restarts: only what this run writes
	// names its ports.
	fi, err := f.Stat()
	if err != nil {
		in.t.Fatal(err)
	}
	from := fi.Size()
	in.logFile = f
	in.cmd = exec.Command(chaparBin, "serve", "-C", in.conf)
	in.cmd.Stdout, in.cmd.Stderr = f, f
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	err = testkit.Poll(30*time.Second, func() error {
		addrs, err := listening(logPath, from)
		if err != nil {
			return err
		}
		if addrs["lmtp"] == "" {
			return errors.New("no LMTP TCP listener logged yet")
		}
		// IMAP starts after LMTP: wait for it too, or a test that dials
		// it at once finds no address.
		if addrs["imap"] == "" {
			return errors.New("no IMAP TCP listener logged yet")
		}
		// Every service logs its listener before "chapar ready": a test
		// that reads the HTTP or POP3 address finds it only after that.
		if b, err := os.ReadFile(logPath); err != nil || !strings.Contains(string(b[min(from, int64(len(b))):]), `msg="chapar ready"`) {
			return errors.New("chapar ready not logged yet")
		}
		c, err := net.Dial("tcp", addrs["lmtp"])
		if err != nil {
			return err
		}
		c.Close()
		if c, err = net.Dial("unix", in.socket); err != nil {
			return err
		}
		c.Close()
		in.mu.Lock()
		in.lmtp = addrs["lmtp"]
		in.imap = addrs["imap"]
		in.sieve = addrs["managesieve"]
		in.http = addrs["http"]
		in.pop3 = addrs["pop3"]
		in.mu.Unlock()
		return nil
	})
	if err != nil {
		in.t.Fatalf("chapar serve did not come up: %v; log:\n%s", err, in.log())
	}
}

// listeningLine is serve's log line for a bound listener.
var listeningLine = regexp.MustCompile(`msg=listening service=(\S+) addr=(\S+)`)

// listening reads the TCP listeners logged in the log file from offset on,
// by service.
func listening(path string, offset int64) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read serve log: %w", err)
	}
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	addrs := map[string]string{}
	for _, m := range listeningLine.FindAllStringSubmatch(string(b[offset:]), -1) {
		if config.ListenNetwork(m[2]) == "tcp" && addrs[m[1]] == "" {
			addrs[m[1]] = m[2]
		}
	}
	return addrs, nil
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

// fetchBody reads one message whole over IMAP as user (password
// "secret"), for tests that compare the bytes a client gets.
func (in *instance) fetchBody(user, mailbox string, uid imap.UID) []byte {
	in.t.Helper()
	return in.fetchSection(user, mailbox, uid, &imap.FetchItemBodySection{Peek: true})
}

// fetchSection reads one body section of a message over IMAP as user.
func (in *instance) fetchSection(user, mailbox string, uid imap.UID, section *imap.FetchItemBodySection) []byte {
	in.t.Helper()
	c, err := imapclient.DialInsecure(in.imapAddr(), nil)
	if err != nil {
		in.t.Fatalf("dial IMAP: %v", err)
	}
	defer c.Close()
	if err := c.Login(user, "secret").Wait(); err != nil {
		in.t.Fatalf("LOGIN %s: %v", user, err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		in.t.Fatalf("EXAMINE %s: %v", mailbox, err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		in.t.Fatalf("UID FETCH %d BODY.PEEK[%s]: %v (%d messages)", uid, section.Specifier, err, len(msgs))
	}
	return msgs[0].FindBodySection(section)
}

// openToPosting lets plus-addressed mail into one of a user's folders: the
// owner grants anyone the post right over IMAP, as a Cyrus user would
// (plus-addressing needs p for anyone, README "ACLs").
func (in *instance) openToPosting(user, folder string) {
	in.t.Helper()
	c, err := dialIMAPLogin(in, user)
	if err != nil {
		in.t.Fatal(err)
	}
	defer c.close()
	if err := c.cmd(`SETACL "` + folder + `" anyone +p`); err != nil {
		in.t.Fatalf("SETACL %s anyone +p as %s: %v", folder, user, err)
	}
}
