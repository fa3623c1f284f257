package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	secret, body := []byte("0123456789abcdef"), []byte(`{"event":"MessageNew"}`)
	sig := Sign(secret, body)
	// echo -n '{"event":"MessageNew"}' | openssl dgst -sha256 -hmac 0123456789abcdef
	if want := "sha256=d613165d38ee9a62aec71a4dd01b8c1794c9ba63918d34c6a9f752c0a4ed897c"; sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	if !Verify(secret, body, sig) {
		t.Error("a signature does not verify")
	}
	for _, bad := range []string{"", sig[7:], "sha256=zz", strings.Replace(sig, sig[10:11], "x", 1)} {
		if Verify(secret, body, bad) {
			t.Errorf("%q verifies", bad)
		}
	}
	if Verify([]byte("another secret!!"), body, sig) || Verify(secret, append(body, ' '), sig) {
		t.Error("a signature verifies another secret or body")
	}
}

func TestChecks(t *testing.T) {
	for _, u := range []string{"ftp://x/", "file:///etc/passwd", "http://", "127.0.0.1:80", "://x", "http://" + strings.Repeat("a", 3000)} {
		if checkURL(u) == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:9/hook", "HTTPS://example.org/x?y=1"} {
		if err := checkURL(u); err != nil {
			t.Errorf("URL %q: %v", u, err)
		}
	}
	if checkSecret("short") == nil || checkSecret(strings.Repeat("s", 15)) == nil || checkSecret(strings.Repeat("s", 16)) != nil {
		t.Error("secrets: at least 16 bytes")
	}
	if checkTypes([]string{"MessageNew", "FlagsSet", "MailboxUnSubscribe"}) != nil || checkTypes([]string{"a.b"}) == nil ||
		checkTypes([]string{"*"}) == nil || checkTypes([]string{""}) == nil || checkTypes([]string{"MesageNew"}) == nil {
		t.Error("event type names: only those chapar publishes")
	}
	if err := checkTypes([]string{"messagenew"}); err == nil || !strings.Contains(err.Error(), `"MessageNew"`) {
		t.Errorf("a name in the wrong case: %v", err)
	}
	if checkPattern("user.alice.*") != nil || checkPattern("a\nb") == nil || checkPattern("\xff") == nil {
		t.Error("mailbox patterns")
	}
}

func TestEventMailbox(t *testing.T) {
	for data, want := range map[string]string{
		`{"mailbox":"user.alice.Sent"}`:                                       "user.alice.Sent",
		`{"uri":"imap://alice@chapar.test/INBOX;UIDVALIDITY=5/;UID=1"}`:       "user.alice",
		`{"uri":"imap://alice@chapar.test/INBOX/Work%20Stuff;UIDVALIDITY=5"}`: "user.alice.Work Stuff",
		`{"uri":"imap://alice@chapar.test/Sent;UIDVALIDITY=5"}`:               "user.alice.Sent",
		`{"uri":"imap://bob%40example.com@chapar.test/INBOX"}`:                "example.com!user.bob",
		`{"uri":"imap://chapar.test/shared/news;UIDVALIDITY=2"}`:              "shared.news",
		`{"mailbox":"imap://alice@chapar.test/INBOX","uri":""}`:               "user.alice",
		`{"event":"Login","user":"alice"}`:                                    "",
		`not json`:                                                            "",
		`{"uri":"http://x/INBOX"}`:                                            "",
	} {
		if got := eventMailbox([]byte(data)); got != want {
			t.Errorf("%s: mailbox %q, want %q", data, got, want)
		}
	}
	p := compilePattern("user.alice.%")
	if !p.MatchString("user.alice.Sent") || p.MatchString("user.alice.Sent.2026") || p.MatchString("user.alice") {
		t.Error("% matches one level")
	}
	p = compilePattern("user.alice*")
	if !p.MatchString("user.alice") || !p.MatchString("user.alice.a.b") || p.MatchString("user.bob") {
		t.Error("* matches any levels")
	}
}

func TestBackoff(t *testing.T) {
	c := Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}
	c.applyDefaults()
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, c.backoff(n))
	}
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoff %v, want %v seconds", got, want)
		}
	}
	low := Config{MinBackoff: 10 * time.Second, MaxBackoff: 5 * time.Second}
	low.applyDefaults()
	if d := low.backoff(3); d != 10*time.Second {
		t.Errorf("a ceiling below the first wait: %v", d)
	}
	if d := (&Config{MinBackoff: time.Hour, MaxBackoff: time.Hour}).backoff(1 << 30); d != time.Hour {
		t.Errorf("many attempts: %v", d)
	}
}
