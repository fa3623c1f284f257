package imap

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

func plainSASL(user, pass string) sasl.Client { return sasl.NewPlainClient("", user, pass) }

func TestCapabilityBeforeAndAfterLogin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	// The whole list, in its order: what clients have seen so far.
	out := c.exchange("a CAPABILITY", "* CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-1 AUTH=PLAIN AUTH=LOGIN LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE ESEARCH SEARCHRES STATUS=SIZE BINARY MULTIAPPEND UTF8=ACCEPT CONDSTORE QRESYNC OBJECTID SAVEDATE PREVIEW REPLACE UIDONLY ACL RIGHTS=kxten LIST-MYRIGHTS SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT PARTIAL WITHIN METADATA METADATA-SERVER", "a OK CAPABILITY completed")
	has(t, out, "IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "AUTH=PLAIN", "AUTH=LOGIN", "IDLE", "UIDPLUS",
		"MOVE", "ESEARCH", "SEARCHRES", "LIST-STATUS", "SPECIAL-USE", "BINARY", "MULTIAPPEND", "UTF8=ACCEPT", "STATUS=SIZE")
	out = c.exchange("b LOGIN alice pw", "b OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE ESEARCH SEARCHRES STATUS=SIZE BINARY MULTIAPPEND UTF8=ACCEPT CONDSTORE QRESYNC OBJECTID SAVEDATE PREVIEW REPLACE UIDONLY ACL RIGHTS=kxten LIST-MYRIGHTS SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT PARTIAL WITHIN QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET NOTIFY COMPRESS=DEFLATE CATENATE URLAUTH METADATA METADATA-SERVER] ...")
	if strings.Contains(strings.Join(out, " "), "AUTH=") {
		t.Errorf("AUTH= after login: %q", out)
	}
	out = c.exchange("c CAPABILITY", "* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE ESEARCH SEARCHRES STATUS=SIZE BINARY MULTIAPPEND UTF8=ACCEPT CONDSTORE QRESYNC OBJECTID SAVEDATE PREVIEW REPLACE UIDONLY ACL RIGHTS=kxten LIST-MYRIGHTS SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT PARTIAL WITHIN QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET NOTIFY COMPRESS=DEFLATE CATENATE URLAUTH METADATA METADATA-SERVER", "c OK CAPABILITY completed")
	has(t, out, "IMAP4rev2", "NAMESPACE")
}

func TestLogin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	c.exchange("a LOGIN alice wrong", "a NO [AUTHENTICATIONFAILED] ...")
	c.expectTagged("b LOGIN nobody pw", "NO")
	c.exchange("c LOGIN alice pw", "c OK [CAPABILITY IMAP4rev1 ...")
	c.expectTagged("d LOGIN alice pw", "BAD")
	// A quoted password and a literal user name.
	c2 := env.raw(t)
	c2.send("e LOGIN {5}\r\n")
	if l := c2.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("no continuation: %q", l)
	}
	c2.send("alice \"pw\"\r\n")
	if out := c2.until("e"); !strings.HasPrefix(out[len(out)-1], "e OK") {
		t.Fatalf("literal login: %q", out)
	}
}

func TestLoginFailureIsDelayed(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.FailedLoginDelay = 200 * time.Millisecond })
	c := env.raw(t)
	start := time.Now()
	c.expectTagged("a LOGIN alice wrong", "NO")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("failed login answered after %v", d)
	}
}

func TestPlaintextRefusedWithoutTLS(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) {
		c.AllowPlaintext = false
		c.TLSConfig = testTLSConfig(t)
	})
	env.treatAsRemote()
	c := env.raw(t)
	out := c.exchange("a CAPABILITY", "* CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED ...", "a OK CAPABILITY completed")
	has(t, out, "STARTTLS", "LOGINDISABLED")
	if strings.Contains(out[0], "AUTH=PLAIN") {
		t.Errorf("AUTH=PLAIN offered in the clear: %q", out[0])
	}
	c.exchange("b LOGIN alice pw", "b NO [PRIVACYREQUIRED] ...")
	c.exchange("c AUTHENTICATE PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw")), "c NO [PRIVACYREQUIRED] ...")

	// After STARTTLS the same login works.
	cl, err := imapclient.DialStartTLS(env.addr, &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Login("alice", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	caps, err := cl.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if caps.Has(imap.CapStartTLS) {
		t.Error("STARTTLS offered after TLS")
	}
}

func TestServeTLS(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AllowPlaintext = false })
	cfg := testTLSConfig(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	go env.srv.ServeTLS(l)
	cl, err := imapclient.DialTLS(l.Addr().String(), &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Login("alice", "pw").Wait(); err != nil {
		t.Fatalf("login over imaps: %v", err)
	}
}

func TestAuthenticatePlain(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	// SASL-IR (RFC 4959).
	c := env.raw(t)
	ir := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))
	c.expectTagged("a AUTHENTICATE PLAIN "+ir, "OK")

	// Without an initial response: an empty challenge first.
	c = env.raw(t)
	c.send("b AUTHENTICATE PLAIN\r\n")
	if l := c.line(); l != "+ " {
		t.Fatalf("challenge %q", l)
	}
	c.send(base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong")) + "\r\n")
	c.expect("b NO [AUTHENTICATIONFAILED] ...")

	// Cancelled.
	c.send("c AUTHENTICATE PLAIN\r\n")
	c.line()
	c.send("*\r\n")
	c.expect("c BAD ...")

	// Through go-imap's client.
	cl := env.anonClient(t, nil)
	if err := cl.Authenticate(plainSASL("alice", "pw")); err != nil {
		t.Fatal(err)
	}
}

func TestAuthenticateLogin(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	c.send("a AUTHENTICATE LOGIN\r\n")
	if l := c.line(); l != "+ "+base64.StdEncoding.EncodeToString([]byte("Username:")) {
		t.Fatalf("challenge %q", l)
	}
	c.send(base64.StdEncoding.EncodeToString([]byte("alice")) + "\r\n")
	c.line()
	c.send(base64.StdEncoding.EncodeToString([]byte("pw")) + "\r\n")
	c.expect("a OK ...")
}

func TestAdminProxyAuthorization(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	if err := env.store.AddUser("admin", "pw"); err != nil {
		t.Fatal(err)
	}
	c := env.raw(t)
	// alice may not act as bob.
	c.expectTagged("a AUTHENTICATE PLAIN "+base64.StdEncoding.EncodeToString([]byte("bob\x00alice\x00pw")), "NO")
	// An administrator may.
	c.expectTagged("b AUTHENTICATE PLAIN "+base64.StdEncoding.EncodeToString([]byte("bob\x00admin\x00pw")), "OK")
	c.exchange(`c LIST "" INBOX`, `* LIST (\HasNoChildren) "/" INBOX`, "c OK LIST completed")
}

func TestConnectionsPerUserLimit(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxConnsPerUser = 2 })
	a := env.rawLogin(t, "alice")
	env.rawLogin(t, "alice")
	c := env.raw(t)
	c.exchange("x LOGIN alice pw", "x NO [LIMIT] ...")
	a.ok("z LOGOUT")
	// The slot is freed when the session ends.
	testkit.CheckFor(t, 5*time.Second, func() error {
		if out := c.cmd("y LOGIN alice pw"); !strings.HasPrefix(out[len(out)-1], "y OK") {
			return fmt.Errorf("slot not freed: %q", out)
		}
		return nil
	})
}

func TestAutoLogout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AutoLogout = 200 * time.Millisecond })
	c := env.rawLogin(t, "alice")
	if l := c.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("want BYE, got %q", l)
	}
}

func TestServerCloseSaysBye(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	idle := env.rawLogin(t, "bob")
	idle.send("i IDLE\r\n")
	idle.line()
	go env.srv.Close()
	for _, rc := range []*rawConn{c, idle} {
		if l := rc.line(); !strings.HasPrefix(l, "* BYE") {
			t.Errorf("want BYE, got %q", l)
		}
	}
	if _, err := net.Dial("tcp", env.addr); err == nil {
		// The listener may still accept in the kernel backlog; what
		// matters is that the server answers nothing more.
		t.Log("dial after close succeeded (backlog)")
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	c.exchange(`a ID ("name" "test" "version" "1")`, `* ID ("name" "chapar" "vendor" "chapar")`, "a OK ID completed")
	c.exchange("b ID NIL", `* ID ("name" "chapar" "vendor" "chapar")`, "b OK ID completed")
}

func TestServeUnixSocket(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	path := filepath.Join(t.TempDir(), "imap.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- env.srv.Serve(l) }()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := imapclient.New(c, nil)
	if err := cl.Login("alice", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	env.srv.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
}

// An unauthenticated connection is dropped after PreAuthTimeout; once
// logged in, AutoLogout applies.
func TestPreAuthTimeout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.PreAuthTimeout = 300 * time.Millisecond })
	if env.srv.cfg.AutoLogout != 30*time.Minute {
		t.Fatalf("AutoLogout %v", env.srv.cfg.AutoLogout)
	}
	idle := env.raw(t)
	authed := env.rawLogin(t, "alice")
	start := time.Now()
	if l := idle.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("want BYE, got %q", l)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("BYE after %v", d)
	}
	idle.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.r.ReadByte(); err == nil {
		t.Error("connection still open after BYE")
	}
	time.Sleep(500 * time.Millisecond)
	authed.ok("a NOOP")

	if d := NewServer(Config{AllowPlaintext: true, Logger: testLogger()}).cfg.PreAuthTimeout; d != time.Minute {
		t.Errorf("default PreAuthTimeout %v", d)
	}
	if d := NewServer(Config{AllowPlaintext: true, Logger: testLogger(), AutoLogout: time.Second}).cfg.PreAuthTimeout; d != time.Second {
		t.Errorf("PreAuthTimeout %v above AutoLogout", d)
	}
}

// Cyrus's maxlogintrys (3 by default): the third failed LOGIN or
// AUTHENTICATE on a connection is answered NO, then BYE, and the connection
// closes; a fourth command gets no answer.
func TestTooManyLoginFailures(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	c.exchange("a LOGIN alice wrong", "a NO [AUTHENTICATIONFAILED] invalid credentials")
	// An unknown user and a failed AUTHENTICATE count as well.
	c.exchange("b LOGIN nobody pw", "b NO [AUTHENTICATIONFAILED] invalid credentials")
	c.send("c AUTHENTICATE PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong")) + "\r\n")
	c.expect("c NO [AUTHENTICATIONFAILED] invalid credentials", "* BYE Too many login failures")
	// Whether the write still lands or not, nothing answers it.
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.conn.Write([]byte("d LOGIN alice pw\r\n"))
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if l, err := c.r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after BYE: read %q, %v; want the connection closed", l, err)
	}
}

// Failures below the limit leave the connection usable: the right password
// still logs in. A negative MaxLoginTries counts nothing.
func TestLoginAfterFailures(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.raw(t)
	c.exchange("a LOGIN alice wrong", "a NO [AUTHENTICATIONFAILED] invalid credentials")
	c.exchange("b LOGIN alice wrong", "b NO [AUTHENTICATIONFAILED] invalid credentials")
	c.exchange("c LOGIN alice pw", "c OK [CAPABILITY IMAP4rev1 ...")
	c.exchange("d NOOP", "d OK NOOP completed")

	unlimited := newTestEnv(t, func(c *Config) { c.MaxLoginTries = -1 })
	u := unlimited.raw(t)
	for i := range 5 {
		u.exchange(fmt.Sprintf("f%d LOGIN alice wrong", i), fmt.Sprintf("f%d NO [AUTHENTICATIONFAILED] invalid credentials", i))
	}
	u.exchange("g LOGIN alice pw", "g OK [CAPABILITY IMAP4rev1 ...")
}
