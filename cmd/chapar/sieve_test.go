package main

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// putSieve stores and activates a user's script with the admin commands.
func (in *instance) putSieve(user, script string) {
	in.t.Helper()
	in.mustChapar(script, "sieve", "put", user, "main", "-")
	in.mustChapar("", "sieve", "activate", user, "main")
}

func sieveMessage(from, subject, extra string) string {
	return "From: " + from + "\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\n" + extra +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "." + from + ">\r\n\r\nbody of " + subject + "\r\n"
}

// TestSieveEndToEnd runs a script on the real binary: it files into a
// folder with a flag, rejects at LMTP while the session waits, and answers
// with a vacation reply through smtp_relay once per :days, never to a list.
func TestSieveEndToEnd(t *testing.T) {
	t.Parallel()
	sink := testkit.StartSMTPSink(t)
	in := newInstance(t, "smtp_relay: "+sink.Addr, "outbound_min_backoff: 1")
	in.start()
	in.addUser("alice")
	in.mustChapar("", "mailbox", "create", "user/alice/Reports")
	in.putSieve("alice", `require ["fileinto", "imap4flags", "reject", "vacation"];
if header :contains "subject" "report" { fileinto :flags "\\Flagged" "Reports"; stop; }
if header :contains "subject" "spam" { reject "no spam here"; stop; }
vacation :days 1 :subject "Away" "Back on Monday.";
`)
	send := func(from, subject, extra string) error {
		res, err := testkit.LMTPSend(in.lmtpAddr(), from, []string{"alice@example.com"}, sieveMessage(from, subject, extra))
		if err != nil {
			t.Fatalf("LMTP %q: %v", subject, err)
		}
		return res["alice@example.com"]
	}

	if err := send("boss@example.org", "weekly report", ""); err != nil {
		t.Fatalf("report: %v", err)
	}
	if ex := in.examine("user/alice/Reports"); ex.Exists != 1 || !slices.Contains(ex.Messages[0].Flags, `\Flagged`) {
		t.Errorf("Reports: %+v, want one \\Flagged message", ex)
	}
	err := send("spammer@example.org", "cheap spam", "")
	if code, enh := testkit.SMTPCode(err); code != 550 || enh != "5.7.1" || !strings.Contains(err.Error(), "no spam here") {
		t.Errorf("spam answered %d %s (%v), want 550 5.7.1 with the reason", code, enh, err)
	}
	for _, m := range []struct{ from, subject, extra string }{
		{"bob@example.org", "lunch", ""},
		{"bob@example.org", "lunch again", ""}, // within :days: no second reply
		{"list@example.org", "digest", "List-Id: <l.example.org>\r\n"},
		{"carol@example.org", "hello", ""},
	} {
		if err := send(m.from, m.subject, m.extra); err != nil {
			t.Fatalf("%s: %v", m.subject, err)
		}
	}
	replies := func() map[string]int {
		n := map[string]int{}
		for _, m := range sink.Messages() {
			for _, to := range m.To {
				n[to]++
			}
		}
		return n
	}
	testkit.CheckFor(t, 15*time.Second, func() error {
		if r := replies(); r["bob@example.org"] == 0 || r["carol@example.org"] == 0 {
			return fmt.Errorf("vacation replies so far: %v", r)
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond) // a second reply would have come by now
	r := replies()
	if r["bob@example.org"] != 1 || r["carol@example.org"] != 1 || r["list@example.org"] != 0 || len(r) != 2 {
		t.Errorf("vacation replies %v, want one each to bob and carol, none to the list", r)
	}
	for _, m := range sink.Messages() {
		if m.From != "" || !strings.Contains(m.Data, "Auto-Submitted: auto-replied") || !strings.Contains(m.Data, "Subject: Away") {
			t.Errorf("vacation reply from <%s>:\n%s", m.From, m.Data)
		}
	}
	if ex := in.examine("user/alice"); ex.Exists != 4 {
		t.Errorf("INBOX holds %d messages, want the 4 kept ones", ex.Exists)
	}
}

// TestSieveRedirectsSurviveSIGKILL queues redirects while the relay is
// down, kills chapar, and brings the relay up: after the restart every
// redirect is sent, each exactly once.
func TestSieveRedirectsSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	relay := l.Addr().String()
	l.Close() // down until the sink takes the address
	in := newInstance(t, "smtp_relay: "+relay, "outbound_min_backoff: 1")
	in.start()
	in.addUser("alice")
	in.putSieve("alice", `redirect "carol@example.net";`)
	const n = 20
	for i := range n {
		if err := func() error {
			res, err := testkit.LMTPSend(in.lmtpAddr(), "sender@example.org", []string{"alice@example.com"},
				sieveMessage("sender@example.org", fmt.Sprintf("redirect %d", i), ""))
			if err != nil {
				return err
			}
			return res["alice@example.com"]
		}(); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	in.kill()
	sink := testkit.StartSMTPSinkOn(t, relay)
	in.start()
	count := func() map[string]int {
		seen := map[string]int{}
		for _, m := range sink.Messages() {
			for _, line := range strings.Split(m.Data, "\r\n") {
				if s, ok := strings.CutPrefix(line, "Subject: "); ok {
					seen[s]++
				}
			}
		}
		return seen
	}
	// Each waits out the backoff its failed attempts earned (at most 16 s
	// with a 1 s first step over the time the relay was down).
	testkit.CheckFor(t, 60*time.Second, func() error {
		if got := len(count()); got != n {
			return fmt.Errorf("%d of %d redirects arrived", got, n)
		}
		return nil
	})
	time.Sleep(time.Second)
	for s, k := range count() {
		if k != 1 {
			t.Errorf("%q arrived %d times", s, k)
		}
	}
	for _, m := range sink.Messages() {
		if m.From != "sender@example.org" || !strings.Contains(m.Data, "X-Sieve-Redirected-From: alice@example.com") {
			t.Errorf("redirect from <%s>:\n%s", m.From, m.Data)
		}
	}
	if ex := in.examine("user/alice"); ex.Exists != 0 {
		t.Errorf("INBOX holds %d messages; a redirect keeps nothing", ex.Exists)
	}
}
