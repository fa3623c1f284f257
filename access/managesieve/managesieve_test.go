package managesieve

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// testServer starts ManageSieve on 127.0.0.1 over a real store with the
// users alice and bob (password "secret"). Scripts containing "bogus"
// fail to compile, at line 2, standing in for the Sieve compiler.
func testServer(t *testing.T, tune func(*Config)) (string, *store.Store) {
	t.Helper()
	st := testkit.OpenStore(t, store.Options{})
	testkit.AddUsers(t, st, "secret", "alice", "bob")
	cfg := Config{
		Store:        st,
		PlaintextOK:  func(net.Conn) bool { return true },
		TLSConfig:    testkit.SelfSignedTLS(t),
		Extensions:   []string{"fileinto", "reject", "vacation"},
		FailureDelay: 1,
		Check: func(_ string, script []byte) error {
			if strings.Contains(string(script), "bogus") {
				return errors.New(`line 2: unknown command "bogus"`)
			}
			return nil
		},
		MaxScriptSize: 1024,
		MaxScripts:    3,
		MaxLoginTries: 2,
		Log:           testkit.Quiet(),
	}
	if tune != nil {
		tune(&cfg)
	}
	srv := NewServer(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), st
}

// client speaks ManageSieve line by line.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) (*client, []string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	return c, c.response()
}

// response reads lines up to and including the one starting OK, NO or BYE.
func (c *client) response() []string {
	c.t.Helper()
	var lines []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read after %q: %v", lines, err)
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		for _, w := range []string{"OK", "NO", "BYE"} {
			if line == w || strings.HasPrefix(line, w+" ") {
				return lines
			}
		}
	}
}

// do sends raw text and returns the response's lines.
func (c *client) do(text string) []string {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(text)); err != nil {
		c.t.Fatal(err)
	}
	return c.response()
}

func last(lines []string) string { return lines[len(lines)-1] }

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

func (c *client) login(user string) {
	c.t.Helper()
	if got := last(c.do(`AUTHENTICATE "PLAIN" "` + plain(user, "secret") + "\"\r\n")); !strings.HasPrefix(got, "OK") {
		c.t.Fatalf("login as %s: %s", user, got)
	}
}

func putScript(name, script string) string {
	return fmt.Sprintf("PUTSCRIPT %q {%d+}\r\n%s\r\n", name, len(script), script)
}

func TestGreetingAndCapabilities(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, nil)
	_, greeting := dial(t, addr)
	want := []string{`"IMPLEMENTATION" "chapar"`, `"SASL" "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN"`, `"SIEVE" "fileinto reject vacation"`, `"STARTTLS"`, `"VERSION" "1.0"`}
	for _, w := range want {
		if !strings.Contains(strings.Join(greeting, "\n"), w) {
			t.Errorf("greeting %q lacks %s", greeting, w)
		}
	}
	if !strings.HasPrefix(last(greeting), "OK") {
		t.Errorf("greeting ends %q", last(greeting))
	}
}

func TestPlaintextNeedsTLSWhereTheRuleSaysSo(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, func(c *Config) { c.PlaintextOK = func(net.Conn) bool { return false } })
	c, greeting := dial(t, addr)
	// SCRAM never sends the password: it stays; -PLUS needs TLS.
	if !strings.Contains(strings.Join(greeting, "\n"), `"SASL" "SCRAM-SHA-256 SCRAM-SHA-1"`) {
		t.Errorf("only SCRAM may be offered before TLS: %q", greeting)
	}
	if got := last(c.do(`AUTHENTICATE "PLAIN" "` + plain("alice", "secret") + "\"\r\n")); !strings.HasPrefix(got, "NO (ENCRYPT-NEEDED)") {
		t.Errorf("PLAIN before TLS: %s", got)
	}
	if got := last(c.do("STARTTLS\r\n")); !strings.HasPrefix(got, "OK") {
		t.Fatalf("STARTTLS: %s", got)
	}
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	c.conn, c.r = tc, bufio.NewReader(tc)
	// RFC 5804 §2.2: the capabilities again, now with the mechanisms.
	caps := c.response()
	if !strings.Contains(strings.Join(caps, "\n"), `"SASL" "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN"`) || strings.Contains(strings.Join(caps, "\n"), `"STARTTLS"`) {
		t.Errorf("capabilities after TLS: %q", caps)
	}
	c.login("alice")
}

func TestScriptLifecycle(t *testing.T) {
	t.Parallel()
	addr, st := testServer(t, nil)
	c, _ := dial(t, addr)
	if got := last(c.do("LISTSCRIPTS\r\n")); !strings.HasPrefix(got, "NO") {
		t.Errorf("LISTSCRIPTS before login: %s", got)
	}
	c.login("alice")
	script := "require \"fileinto\";\r\nif header :contains \"subject\" \"x\" { fileinto \"Work\"; }\r\n"
	steps := []struct{ send, want string }{
		{putScript("main", script), "OK"},
		{putScript("spare", "keep;\r\n"), "OK"},
		{`HAVESPACE "main" 100` + "\r\n", "OK"},
		{`HAVESPACE "main" 5000` + "\r\n", "NO (QUOTA/MAXSIZE)"},
		{`SETACTIVE "main"` + "\r\n", "OK"},
		{`DELETESCRIPT "main"` + "\r\n", "NO (ACTIVE)"},
		{`SETACTIVE "nothere"` + "\r\n", "NO (NONEXISTENT)"},
		{`RENAMESCRIPT "spare" "main"` + "\r\n", "NO (ALREADYEXISTS)"},
		{`RENAMESCRIPT "spare" "other"` + "\r\n", "OK"},
		{putScript("broken", "keep;\r\nbogus;\r\n"), `NO "line 2: unknown command \"bogus\""`},
		{`CHECKSCRIPT {7+}` + "\r\nbogus;\n\r\n", `NO "line 2`},
		{`CHECKSCRIPT "keep;"` + "\r\n", "OK"},
		{putScript("third", "keep;"), "OK"},
		{putScript("fourth", "keep;"), "NO (QUOTA/MAXSCRIPTS)"},
		{`DELETESCRIPT "third"` + "\r\n", "OK"},
		{`NOOP "t1"` + "\r\n", `OK (TAG "t1")`},
	}
	for _, s := range steps {
		if got := last(c.do(s.send)); !strings.HasPrefix(got, s.want) {
			t.Errorf("%q: got %s, want %s", s.send, got, s.want)
		}
	}
	list := c.do("LISTSCRIPTS\r\n")
	if want := []string{`"main" ACTIVE`, `"other"`}; len(list) != 3 || list[0] != want[0] || list[1] != want[1] {
		t.Errorf("LISTSCRIPTS: %q, want %q then OK", list, want)
	}
	got := c.do(`GETSCRIPT "main"` + "\r\n")
	if want := fmt.Sprintf("{%d}", len(script)); got[0] != want || !strings.HasPrefix(last(got), "OK") {
		t.Errorf("GETSCRIPT: %q", got)
	}
	if name, text, err := st.ActiveSieveScript("alice"); err != nil || name != "main" || string(text) != script {
		t.Errorf("the store's active script: %q %q %v", name, text, err)
	}
	// Another user sees none of it.
	b, _ := dial(t, addr)
	b.login("bob")
	if list := b.do("LISTSCRIPTS\r\n"); len(list) != 1 {
		t.Errorf("bob lists %q", list)
	}
	if got := last(b.do(`GETSCRIPT "main"` + "\r\n")); !strings.HasPrefix(got, "NO (NONEXISTENT)") {
		t.Errorf("bob GETSCRIPT alice's script: %s", got)
	}
}

func TestBadInputGetsNOAndTheSessionLives(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, nil)
	c, _ := dial(t, addr)
	c.login("alice")
	big := strings.Repeat("#", 5000)
	for _, bad := range []string{
		"FROB\r\n",
		"\"unterminated\r\n",
		"PUTSCRIPT\r\n",
		"PUTSCRIPT \"x\" 12\r\n",
		"GETSCRIPT \"a\" \"b\" \"c\"\r\n",
		fmt.Sprintf("PUTSCRIPT \"big\" {%d+}\r\n%s\r\n", len(big), big),
		"PUTSCRIPT \"bad\\q\" {4+}\r\nkeep\r\n",
		"SETACTIVE \"a\x01b\"\r\n",
	} {
		got := last(c.do(bad))
		if !strings.HasPrefix(got, "NO") {
			t.Errorf("%q: %s, want NO", bad, got)
		}
	}
	if got := last(c.do(fmt.Sprintf("PUTSCRIPT \"big\" {%d+}\r\n%s\r\n", len(big), big))); !strings.HasPrefix(got, "NO (QUOTA/MAXSIZE)") {
		t.Errorf("a script over sieve_maxscriptsize: %s", got)
	}
	if got := last(c.do("NOOP\r\n")); !strings.HasPrefix(got, "OK") {
		t.Errorf("the session after bad input: %s", got)
	}
}

func TestLoginFailuresEndTheConnection(t *testing.T) {
	t.Parallel()
	addr, _ := testServer(t, nil)
	c, _ := dial(t, addr)
	if got := last(c.do(`AUTHENTICATE "PLAIN" "` + plain("alice", "wrong") + "\"\r\n")); !strings.HasPrefix(got, "NO") {
		t.Errorf("wrong password: %s", got)
	}
	got := c.do(`AUTHENTICATE "PLAIN" "` + plain("nobody", "wrong") + "\"\r\n")
	if !strings.HasPrefix(last(got), "NO") {
		t.Fatalf("second failure: %q", got)
	}
	if bye := c.response(); !strings.HasPrefix(last(bye), "BYE") {
		t.Errorf("after maxlogintrys failures: %q, want BYE", bye)
	}
	// LOGIN with challenges, on a new connection.
	c2, _ := dial(t, addr)
	if _, err := c2.conn.Write([]byte("AUTHENTICATE \"LOGIN\"\r\n")); err != nil {
		t.Fatal(err)
	}
	for _, answer := range []string{"alice", "secret"} {
		if line, _ := c2.r.ReadString('\n'); !strings.HasPrefix(line, "\"") {
			t.Fatalf("challenge: %q", line)
		}
		fmt.Fprintf(c2.conn, "\"%s\"\r\n", base64.StdEncoding.EncodeToString([]byte(answer)))
	}
	if got := last(c2.response()); !strings.HasPrefix(got, "OK") {
		t.Errorf("AUTHENTICATE LOGIN: %s", got)
	}
	if got := last(c2.do("UNAUTHENTICATE\r\n")); !strings.HasPrefix(got, "OK") {
		t.Errorf("UNAUTHENTICATE: %s", got)
	}
	if got := last(c2.do("LISTSCRIPTS\r\n")); !strings.HasPrefix(got, "NO") {
		t.Errorf("LISTSCRIPTS after UNAUTHENTICATE: %s", got)
	}
}
