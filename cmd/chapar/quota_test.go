package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// quotas reads `chapar quota [-f] --json`.
func (in *instance) quotas(recount bool) []admin.QuotaReport {
	in.t.Helper()
	args := []string{"quota", "--json"}
	if recount {
		args = []string{"quota", "-f", "--json"}
	}
	var list []admin.QuotaReport
	out := in.mustChapar("", args...)
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		in.t.Fatalf("quota --json: %v\n%s", err, out)
	}
	return list
}

// The whole binary over real LMTP with lmtp_over_quota_perm_failure: the
// delivery that fills the mailbox is taken, the next is refused 552 5.2.2
// at RCPT, and chapar quota prints Cyrus's table.
func TestQuotaOverLMTPPermanent(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "lmtp_over_quota_perm_failure: yes")
	in.start()
	in.addUser("full")
	in.mustChapar("", "quota", "set", "user/full", "STORAGE=1000", "MESSAGE=1")
	for i, want := range []string{"", "5.2.2"} {
		replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"full@example.com"}, testMessage(fmt.Sprintf("q%d@test", i), "q"))
		if err != nil {
			t.Fatal(err)
		}
		code, enh := testkit.SMTPCode(replies["full@example.com"])
		if enh != want || (want != "" && code != 552) {
			t.Fatalf("delivery %d: %d %s (%v), want %q", i, code, enh, replies["full@example.com"], want)
		}
	}
	out := in.mustChapar("", "quota", "user/full")
	for _, want := range []string{"   Quota   % Used     Used Resource Root", "1 MESSAGE  user/full"} {
		if !strings.Contains(out, want) {
			t.Errorf("chapar quota:\n%s\nlacks %q", out, want)
		}
	}
}

// TestQuotaUsageSurvivesSIGKILL: LMTP deliveries (some past a quota, so
// refused 452 4.2.2), IMAP expunges and a mailbox deleted, while the
// server is killed with SIGKILL and restarted. The usage the store kept
// equals chapar quota -f's recount from the mailboxes, root by root.
func TestQuotaUsageSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const (
		total = 400
		conns = 4
	)
	in := newInstance(t, "lmtp_outcome_wait: 2s", "autocreate_quota: 1000000", "admins: admin")
	in.start()
	for _, u := range []string{"qa", "qb", "admin"} {
		in.addUser(u)
	}
	in.mustChapar("", "mailbox", "create", "user/qb/Work")
	in.mustChapar("", "quota", "set", "user/qa", "STORAGE=1000000", "MESSAGE=60")

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	rcpts := []string{"qa@example.com", "qb@example.com", "qb+Work@example.com"}
	var next, full atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var client *smtp.Client
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					break
				}
				if client == nil {
					if client = dialLMTP(in, 60*time.Second); client == nil {
						return
					}
				}
				rcpt := rcpts[i%len(rcpts)]
				replies, err := testkit.LMTPTransaction(client, "load@example.org", []string{rcpt}, testMessage(fmt.Sprintf("q-%d@test", i), "quota"))
				if err != nil {
					client.Close()
					client = nil
					continue
				}
				if _, enh := testkit.SMTPCode(replies[rcpt]); enh == "4.2.2" {
					full.Add(1)
				}
			}
			if client != nil {
				client.Quit()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	kills := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(time.Duration(200+rng.IntN(500)) * time.Millisecond):
			in.kill()
			kills++
			in.start()
			if kills == 2 {
				expungeSome(t, in, "qb")
			}
		}
	}
	t.Logf("%d kills; %d deliveries refused 452 4.2.2", kills, full.Load())
	if full.Load() == 0 {
		t.Errorf("no delivery to qa was refused 452 4.2.2 past its 60 messages")
	}
	waitForMessages(t, in, 0, 0)
	expungeSome(t, in, "qb")
	in.mustChapar("", "mailbox", "delete", "user/qb/Work")
	in.kill()
	in.start()

	kept := in.quotas(false)
	recounted := in.quotas(true)
	if !reflect.DeepEqual(kept, recounted) {
		t.Fatalf("usage kept through %d kills differs from the recount:\nkept      %+v\nrecounted %+v", kills, kept, recounted)
	}
	byRoot := map[string]admin.QuotaReport{}
	for _, q := range kept {
		byRoot[q.Root] = q
	}
	if qa := byRoot["user/qa"]; qa.Messages != int64(len(in.examine("user/qa").Messages)) || qa.Messages < 60 {
		t.Errorf("qa: %+v, %d messages in the INBOX", qa, len(in.examine("user/qa").Messages))
	}
	if qb := byRoot["user/qb"]; qb.Messages != int64(len(in.examine("user/qb").Messages)) {
		t.Errorf("qb: %+v, %d messages in the INBOX (Work deleted)", qb, len(in.examine("user/qb").Messages))
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("store check: %v\n%s", err, out)
	}
}

// expungeSome logs in as the user over IMAP and expunges the first half
// of the INBOX; errors from a server being killed are ignored.
func expungeSome(t *testing.T, in *instance, user string) {
	c, err := imapclient.DialInsecure(in.imapAddr(), nil)
	if err != nil {
		return
	}
	defer c.Close()
	if err := c.Login(user, "secret").Wait(); err != nil {
		return
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages < 2 {
		return
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages/2)
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return
	}
	if err := c.Expunge().Close(); err != nil {
		t.Logf("expunge: %v", err)
	}
}
