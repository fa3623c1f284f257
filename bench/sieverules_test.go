package main

import (
	"context"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/filter/sieve"
)

// rulesHost is the little a run of bench/peers/sieve/rules.sieve asks of
// the world: it uses no mailboxexists, include, duplicate or environment.
type rulesHost struct{}

func (rulesHost) MailboxExists(context.Context, string) (bool, error) { return true, nil }
func (rulesHost) Include(context.Context, sieve.Location, string) ([]byte, error) {
	return nil, sieve.ErrNoScript
}
func (rulesHost) DuplicateCheck(context.Context, string, time.Duration, bool) (bool, error) {
	return false, nil
}
func (rulesHost) Environment(string) (string, bool) { return "", false }
func (rulesHost) Now() time.Time                    { return time.Unix(1_800_000_000, 0) }

// TestSieveRulesFileWhatTheLoadSends runs the lmtp-sieve scenario's script
// (chapar's own interpreter) over the messages bench's lmtp load generates,
// so that a change to either keeps the scenario's premise: every message is
// still delivered, a subject naming an invoice (about one in seven) is filed into INBOX/Invoices, grace's travel
// mail into INBOX/Travel, heidi's reports are kept flagged, the rest kept.
func TestSieveRulesFileWhatTheLoadSends(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("peers/sieve/rules.sieve")
	if err != nil {
		t.Fatal(err)
	}
	script, err := sieve.Compile(src, sieve.CompileOptions{})
	if err != nil {
		t.Fatalf("rules.sieve does not compile: %v", err)
	}
	if n := strings.Count(string(src), "\n# "); n < 20 {
		t.Errorf("rules.sieve has %d numbered rules, want 20", n)
	}
	gen := newMsgGen()
	rng := mrand.New(mrand.NewPCG(7, 7))
	counts := map[string]int{}
	const n = 2000
	for i := range n {
		to := []string{"test" + string(rune('1'+i%9)) + "@example.com"}
		m := gen.next(to, 4096, rng)
		res, err := script.Run(context.Background(), m.Body, sieve.Envelope{From: m.From, To: to[0]}, rulesHost{})
		if err != nil {
			t.Fatalf("run on %q from %s: %v", m.Subject, m.From, err)
		}
		sender := strings.SplitN(m.From, "@", 2)[0]
		want := "keep"
		switch {
		case strings.Contains(m.Subject, "invoice"):
			want = "fileinto INBOX/Invoices"
		case sender == "grace" && strings.Contains(m.Subject, "travel"):
			want = "fileinto INBOX/Travel"
		case sender == "heidi" && strings.Contains(m.Subject, "report"):
			want = `keep \Flagged`
		}
		got := describe(res.Actions)
		if got != want {
			t.Fatalf("%q from %s: actions %s, want %s", m.Subject, m.From, got, want)
		}
		counts[got]++
	}
	// Most mail runs through every rule and stays in INBOX; the filing
	// rules do act (about 1 in 7, 1 in 64 and 1 in 55).
	if counts["keep"] < n*3/4 || counts["fileinto INBOX/Invoices"] < n/16 ||
		counts["fileinto INBOX/Travel"] == 0 || counts[`keep \Flagged`] == 0 {
		t.Errorf("outcomes over %d messages: %v", n, counts)
	}
}

// describe names a run's actions: "keep", "keep <flags>" or "fileinto <box>".
func describe(actions []sieve.Action) string {
	var out []string
	for _, a := range actions {
		switch a := a.(type) {
		case sieve.Keep:
			out = append(out, strings.TrimSpace("keep "+strings.Join(a.Flags, " ")))
		case sieve.FileInto:
			out = append(out, strings.TrimSpace("fileinto "+a.Mailbox+" "+strings.Join(a.Flags, " ")))
		default:
			out = append(out, "other")
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
