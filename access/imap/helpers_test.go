package imap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/connorigin"
	"chapar/internal/testkit"
	"chapar/notify"
	"chapar/pipeline/bustest"
	"chapar/store"

	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/crypto/bcrypt"
)

// testEnv is the real thing on 127.0.0.1:0: a store in t.TempDir(), the
// embedded JetStream, the outbox publisher, the notify hub, and the IMAP
// server; users alice and bob have password "pw".
type testEnv struct {
	t        *testing.T
	store    *store.Store
	storeDir string
	hub      *notify.Hub
	srv      *Server
	addr     string
}

var deliverSeq atomic.Uint64

func testLogger() *slog.Logger {
	if os.Getenv("IMAP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newTestEnv(t testing.TB, opts ...func(*Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	log := testLogger()
	st, err := store.Open(store.Options{Dir: filepath.Join(dir, "store"), NoSync: true, Logger: log, PasswordCost: bcrypt.MinCost, SCRAMIterations: testkit.TestSCRAMIterations})
	if err != nil {
		t.Fatal(err)
	}
	bc := bustest.Start(t, log)
	ctx, cancel := context.WithCancel(context.Background())
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		(&notify.Publisher{Store: st, Sink: bc, Log: log}).Run(ctx)
	}()
	hub, err := notify.NewHub(bc, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := st.AddUser(u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{
		Store:            st,
		Hub:              hub,
		UnixHierarchySep: true,
		AltNamespace:     true,
		AllowPlaintext:   true,
		FailedLoginDelay: -1,
		IdleKeepalive:    time.Hour,
		Admins:           []string{"admin"},
		Logger:           log,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := NewServer(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	env := &testEnv{store: st, storeDir: filepath.Join(dir, "store"), hub: hub, srv: srv, addr: l.Addr().String()}
	if tt, ok := t.(*testing.T); ok {
		env.t = tt
	}
	t.Cleanup(func() {
		srv.Close()
		hub.Close()
		cancel()
		<-pubDone
		st.Close()
	})
	return env
}

// deliver puts a message into a user's INBOX the way LMTP delivery does.
func (e *testEnv) deliver(t testing.TB, user, body string) uint32 {
	return e.deliverTo(t, store.UserInbox(user), body)
}

func (e *testEnv) deliverTo(t testing.TB, mailbox, body string) uint32 {
	t.Helper()
	n := deliverSeq.Add(1)
	d, err := e.store.Deliver(store.Delivery{
		Key:     fmt.Sprintf("test-%d", n),
		Mailbox: mailbox,
		Message: store.NewMessage{Body: []byte(body), MessageID: fmt.Sprintf("<%d@test>", n)},
		Service: "lmtpd",
	})
	if err != nil {
		t.Fatal(err)
	}
	return d.UID
}

// testMessage is a small RFC 5322 message.
func testMessage(subject, text string) string {
	return "From: Sender <sender@example.org>\r\n" +
		"To: Alice <alice@example.com>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 -0700\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n" +
		"\r\n" + text + "\r\n"
}

// client logs in with go-imap's client.
func (e *testEnv) client(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c := e.anonClient(t, nil)
	if err := c.Login(user, "pw").Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

func (e *testEnv) anonClient(t testing.TB, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(e.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn speaks the protocol by hand, for transcript tests.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func (e *testEnv) raw(t testing.TB) *rawConn {
	t.Helper()
	return rawAt(t, "tcp", e.addr)
}

// treatAsRemote makes the server take its loopback test connections for
// remote ones, where passwords need TLS (chapar/internal/connorigin).
func (e *testEnv) treatAsRemote() {
	remote := func(net.Conn) connorigin.Origin { return connorigin.Remote }
	e.srv.originHook.Store(&remote)
}

// rawAt dials an IMAP server at addr and reads its greeting.
func rawAt(t testing.TB, network, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, conn: c, r: bufio.NewReader(c)}
	if g := rc.line(); !strings.HasPrefix(g, "* OK ") {
		t.Fatalf("greeting %q", g)
	}
	return rc
}

// rawLogin returns a raw connection logged in as user.
func (e *testEnv) rawLogin(t testing.TB, user string) *rawConn {
	rc := e.raw(t)
	rc.ok("L1 LOGIN " + user + " pw")
	return rc
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// line reads one response line, literals included as they come.
func (c *rawConn) line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	l = strings.TrimRight(l, "\r\n")
	if n, _, ok := literalAtEnd([]byte(l)); ok {
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatal(err)
		}
		return l + "\r\n" + string(buf) + c.line()
	}
	return l
}

// cmd sends a tagged command line and returns every response up to and
// including the tagged one.
func (c *rawConn) cmd(line string) []string {
	c.t.Helper()
	tag, _, _ := strings.Cut(line, " ")
	c.send(line + "\r\n")
	return c.until(tag)
}

func (c *rawConn) until(tag string) []string {
	c.t.Helper()
	var out []string
	for {
		l := c.line()
		out = append(out, l)
		if strings.HasPrefix(l, tag+" ") {
			return out
		}
	}
}

// exchange runs a command and checks its whole answer, the tagged line
// last: every line the server sent must be the one want names, in that
// order, so that an unexpected untagged response fails the test. A want
// ending in "..." matches any line starting with what precedes it
// ("a1 OK ..."). It returns the lines read.
func (c *rawConn) exchange(line string, want ...string) []string {
	c.t.Helper()
	out := c.cmd(line)
	if !transcriptMatches(out, want) {
		c.t.Errorf("%s:\ngot:\n\t%s\nwant:\n\t%s", line, strings.Join(out, "\n\t"), strings.Join(want, "\n\t"))
	}
	return out
}

// expect reads the next len(want) lines, which must be want's (as in
// exchange): the untagged responses of an IDLE, for one.
func (c *rawConn) expect(want ...string) []string {
	c.t.Helper()
	got := make([]string, len(want))
	for i := range got {
		got[i] = c.line()
	}
	if !transcriptMatches(got, want) {
		c.t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	return got
}

// transcriptMatches compares response lines with the lines of exchange.
func transcriptMatches(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if prefix, ok := strings.CutSuffix(w, "..."); ok {
			if !strings.HasPrefix(got[i], prefix) {
				return false
			}
		} else if got[i] != w {
			return false
		}
	}
	return true
}

// ok runs a command that must succeed and returns its untagged responses,
// whatever they are: for commands whose answer a test does not assert
// (setup, or an answer checked in parts), where exchange is for those
// whose answer it does.
func (c *rawConn) ok(line string) []string {
	c.t.Helper()
	out := c.cmd(line)
	tag, _, _ := strings.Cut(line, " ")
	if last := out[len(out)-1]; !strings.HasPrefix(last, tag+" OK") {
		c.t.Fatalf("%s: %q", line, out)
	}
	return out[:len(out)-1]
}

// expectTagged runs a command and checks the tagged status (OK, NO, BAD).
func (c *rawConn) expectTagged(line, status string) []string {
	c.t.Helper()
	out := c.cmd(line)
	tag, _, _ := strings.Cut(line, " ")
	if last := out[len(out)-1]; !strings.HasPrefix(last, tag+" "+status) {
		c.t.Fatalf("%s: want %s, got %q", line, status, out)
	}
	return out
}

// has checks that some response line contains each of want.
func has(t testing.TB, lines []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no response contains %q in:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
