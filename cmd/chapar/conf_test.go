package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// The start-up report: one warning line for each option the file sets that
// chapar accepts without implementing it, naming the option and its line,
// and a line saying that "stages" is an alias.
func TestStartupReport(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "imapd.conf")
	text := "configdirectory: " + t.TempDir() + "\n" + // 1
		"autocreate_post: 1\n" + // 2
		"lmtp_downcase_rcpt: no\n" + // 3
		"sievedir: /var/sieve\n" + // 4
		"stages: lmtp imap\n" + // 5
		"quota_db: quotalegacy\n" + // 6
		"maxlogins_per_user: 0\n" + // 7
		"autocreate_post: 0\n" // 8
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	cfg, err := loadConfig(path, log)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LMTPDowncaseRcpt || !reflect.DeepEqual(cfg.Services, []string{"lmtp", "imap"}) || cfg.MaxLoginsPerUser != 0 {
		t.Errorf("config: downcase %v, services %q, maxlogins %d", cfg.LMTPDowncaseRcpt, cfg.Services, cfg.MaxLoginsPerUser)
	}
	var notImplemented, alias []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		msg := strings.TrimPrefix(rec.Msg, path+":")
		switch {
		case strings.Contains(msg, "is accepted, not implemented"):
			notImplemented = append(notImplemented, rec.Level+" "+strings.SplitN(msg, ":", 2)[0]+" "+strings.Split(msg, `"`)[1])
		case strings.Contains(msg, "is an alias"):
			alias = append(alias, rec.Level+" "+msg)
		}
	}
	want := []string{"WARN 2 autocreate_post", "WARN 4 sievedir", "WARN 6 quota_db"}
	if !reflect.DeepEqual(notImplemented, want) {
		t.Errorf("not-implemented lines %q, want %q\nlog:\n%s", notImplemented, want, out.String())
	}
	if want := []string{`WARN 5: option "stages" is an alias of "services"`}; !reflect.DeepEqual(alias, want) {
		t.Errorf("alias lines %q, want %q", alias, want)
	}
}

// lmtp_downcase_rcpt (on by default) and lmtp_fuzzy_mailbox_match reach
// LMTP ingest and the plus-address stage: both differ from the zero values
// of the fields they set there, so a lost wire shows.
func TestRecipientOptionsReachTheStages(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "lmtp_fuzzy_mailbox_match: yes")
	in.start()
	in.addUser("alice")
	in.mustChapar("", "mailbox", "create", "user/alice/Work")
	in.openToPosting("alice", "Work")
	replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"ALICE@example.com", "alice+work@example.com"}, testMessage("rcpt@example.org", "rcpt"))
	if err != nil {
		t.Fatal(err)
	}
	if replies["ALICE@example.com"] != nil || replies["alice+work@example.com"] != nil {
		t.Fatalf("recipients refused: %v", replies)
	}
	if got := in.examine("user/alice"); len(got.Messages) != 1 {
		t.Errorf("INBOX (ALICE@, downcased) holds %d messages, want 1", len(got.Messages))
	}
	if got := in.examine("user/alice/Work"); len(got.Messages) != 1 {
		t.Errorf("Work (alice+work@, fuzzy match) holds %d messages, want 1", len(got.Messages))
	}
}

// maxlogintrys reaches the IMAP server: set to 1, the first failed login
// is followed by BYE (at the default, 3, it would not be).
func TestMaxLoginTrysReachesIMAP(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "maxlogintrys: 1")
	in.start()
	in.addUser("alice")
	c, err := net.Dial("tcp", in.imapAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if g, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(g, "* OK ") {
		t.Fatalf("greeting %q, %v", g, err)
	}
	if _, err := io.WriteString(c, "a LOGIN alice wrong\r\n"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			break
		}
		got = append(got, strings.TrimRight(l, "\r\n"))
	}
	want := []string{"a NO [AUTHENTICATIONFAILED] invalid credentials", "* BYE Too many login failures"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failed login answered %q, want %q and the connection closed", got, want)
	}
}
