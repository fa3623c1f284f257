package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/access/imap"
	"chapar/store"
)

// imapServer is chapar's IMAP service on a real store, with user test1.
func imapServer(t *testing.T) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store"), NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddUser("test1", "pw"); err != nil {
		t.Fatal(err)
	}
	srv := imap.NewServer(imap.Config{Store: st, AllowPlaintext: true, FailedLoginDelay: -1, Logger: log})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close(); st.Close() })
	return l.Addr().String()
}

// The mix's client against a real server: it follows the message count
// through APPEND, EXISTS and EXPUNGE, reads FETCH responses with literals
// through to their tagged status, and reports NO and BAD as such.
func TestIMAPConnDrivesTheMix(t *testing.T) {
	addr := imapServer(t)
	c, err := dialIMAPConn(addr, "test1", "pw", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.command("SELECT INBOX"); err != nil || c.exists != 0 {
		t.Fatalf("SELECT: %v, exists %d", err, c.exists)
	}
	if !c.caps["UIDPLUS"] && !c.caps["IMAP4REV2"] {
		t.Errorf("capabilities %v: want UIDPLUS", c.caps)
	}
	var uids []uint32
	for i := 1; i <= 3; i++ {
		body := fmt.Sprintf("From: a@example.org\r\nSubject: m%d\r\n\r\nline one\r\n{5}\r\nnot a literal\r\n", i)
		if err := c.appendMessage([]byte(body)); err != nil {
			t.Fatalf("APPEND %d: %v", i, err)
		}
		if c.appendUID == 0 {
			t.Fatalf("APPEND %d: no APPENDUID", i)
		}
		uids = append(uids, c.appendUID)
	}
	if _, err := c.command("NOOP"); err != nil || c.exists != 3 {
		t.Fatalf("NOOP after three APPENDs: %v, exists %d", err, c.exists)
	}
	// Every body comes back as a literal; the next command must still find
	// its own tag.
	line, err := c.command("FETCH 1:3 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] ENVELOPE FLAGS)")
	if err != nil || !strings.Contains(line, "OK") {
		t.Fatalf("FETCH: %q, %v", line, err)
	}
	if _, err := c.command(`STORE 2 +FLAGS (\Seen)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.command(fmt.Sprintf(`UID STORE %d +FLAGS.SILENT (\Deleted)`, uids[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := c.command(fmt.Sprintf("UID EXPUNGE %d", uids[0])); err != nil || c.exists != 2 {
		t.Fatalf("UID EXPUNGE: %v, exists %d, want 2", err, c.exists)
	}
	_, err = c.command("FETCH 9 FLAGS")
	if k := imapErrKind(err); k != "BAD" && k != "NO" {
		t.Errorf("FETCH of a message that is not there: %v, kind %q", err, k)
	}
	if _, err := c.command("BLURDLE"); imapErrKind(err) != "BAD" {
		t.Errorf("unknown command: %v, want BAD", err)
	}
	if _, err := c.command("LOGOUT"); err != nil {
		t.Errorf("LOGOUT: %v", err)
	}
}

func TestIMAPConnRefusedLogin(t *testing.T) {
	addr := imapServer(t)
	_, err := dialIMAPConn(addr, "test1", "wrong", 10*time.Second)
	if imapErrKind(err) != "NO" {
		t.Fatalf("LOGIN with a wrong password: %v, want NO", err)
	}
}

// Literals are read by their announced size, whatever they hold, and a
// line longer than the reader's buffer is read whole.
func TestIMAPConnReadsLiterals(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	in := "* 1 FETCH (BODY[] {13}\r\nab\r\n}{3}\r\nxyz BODY[1] {0}\r\n)\r\n" +
		"* 2 FETCH (X \"" + long + "\")\r\n" +
		"b1 OK done\r\n"
	c := &imapConn{br: bufio.NewReaderSize(strings.NewReader(in), 4096), caps: map[string]bool{}}
	first, err := c.readResponse()
	if err != nil || first != "* 1 FETCH (BODY[] {13} BODY[1] {0})" {
		t.Fatalf("first response %q, %v", first, err)
	}
	second, err := c.readResponse()
	if err != nil || len(second) != len(long)+len(`* 2 FETCH (X "")`) {
		t.Fatalf("second response of %d octets, %v", len(second), err)
	}
	third, err := c.readResponse()
	if err != nil || third != "b1 OK done" {
		t.Fatalf("third response %q, %v", third, err)
	}
}

func TestExistsCount(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    uint32
		ok   bool
	}{
		{"* 21 EXISTS\r\n", 21, true},
		{"* 0 exists", 0, true},
		{"* 21 RECENT\r\n", 0, false},
		{"* OK Still here\r\n", 0, false},
		{"* 21 EXISTSX\r\n", 0, false},
		{"* 99999999999 EXISTS\r\n", 0, false},
		{"a1 OK IDLE done\r\n", 0, false},
	} {
		n, ok := existsCount([]byte(tc.line))
		if n != tc.n || ok != tc.ok {
			t.Errorf("existsCount(%q) = %d, %v, want %d, %v", tc.line, n, ok, tc.n, tc.ok)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	line := []byte("4242 (chapar serve) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 100 0 0\n")
	d, err := parseStatCPU(line)
	if err != nil || d != 3250*time.Millisecond {
		t.Errorf("parseStatCPU = %v, %v; want 3.25s", d, err)
	}
}

// noteUntagged follows the count and the capabilities from the first words
// of a line, and lets FETCH lines (whatever they hold) change nothing.
func TestNoteUntagged(t *testing.T) {
	c := &imapConn{caps: map[string]bool{}}
	for _, line := range []string{
		"* 12 EXISTS",
		"* 3 fetch (FLAGS (\\Seen) ENVELOPE (NIL \"7 EXISTS\" NIL))",
		"* 4 expunge",
		"* OK [CAPABILITY IMAP4rev1 uidplus] ready",
		"* 5 RECENT",
	} {
		c.noteUntagged(line)
	}
	if c.exists != 11 {
		t.Errorf("exists = %d, want 11", c.exists)
	}
	if !c.caps["UIDPLUS"] || !c.caps["IMAP4REV1"] {
		t.Errorf("caps = %v", c.caps)
	}
	c.noteUntagged("* CAPABILITY IMAP4rev2 COMPRESS=DEFLATE")
	if !c.caps["COMPRESS=DEFLATE"] || c.caps["UIDPLUS"] {
		t.Errorf("caps after CAPABILITY = %v", c.caps)
	}
}

// With COMPRESS the mix's client drives the server as without, also on a
// second connection that reuses the first one's writer and reader.
func TestIMAPConnCompress(t *testing.T) {
	addr := imapServer(t)
	for round := range 2 {
		c, err := dialIMAPConn(addr, "test1", "pw", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.compress(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := c.command("SELECT INBOX"); err != nil {
			t.Fatalf("round %d: SELECT: %v", round, err)
		}
		body := strings.Repeat("line of a message body\r\n", 3000)
		if err := c.appendMessage([]byte("Subject: z\r\n\r\n" + body)); err != nil {
			t.Fatalf("round %d: APPEND: %v", round, err)
		}
		if _, err := c.command("FETCH 1:* (ENVELOPE BODY.PEEK[])"); err != nil || c.exists != uint32(round+1) {
			t.Fatalf("round %d: FETCH: %v, exists %d", round, err, c.exists)
		}
		c.command("LOGOUT")
		c.Close()
	}
}
