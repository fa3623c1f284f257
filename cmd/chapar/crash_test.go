package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"

	"github.com/emersion/go-smtp"
)

// TestCrashNoLossNoDuplicates is the no-loss invariant under SIGKILL: eight
// LMTP connections stream 2,000 deliveries while the server is killed at
// random moments and restarted. Afterwards every message answered 250 is in
// its mailbox exactly once, no unanswered message is there twice, and the
// store check finds nothing wrong.
func TestCrashNoLossNoDuplicates(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const (
		total = 2000
		conns = 8
		users = 4
	)
	in := newInstance(t, "lmtp_outcome_wait: 2s")
	in.start()
	for u := 0; u < users; u++ {
		in.addUser(fmt.Sprintf("crash%d", u))
	}

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))

	var next atomic.Int64
	acked := make([]atomic.Bool, total)
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
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
					client = dialLMTP(in, 60*time.Second)
					if client == nil {
						return
					}
				}
				rcpt := fmt.Sprintf("crash%d@example.com", i%users)
				replies, err := testkit.LMTPTransaction(client, "load@example.org", []string{rcpt},
					testMessage(crashID(i), fmt.Sprintf("crash %d", i)))
				if err != nil {
					// The server died mid-transaction: the outcome is
					// unknown, as an MTA would see it. Not retried.
					client.Close()
					client = nil
					continue
				}
				if replies[rcpt] == nil {
					acked[i].Store(true)
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
		case <-time.After(time.Duration(150+rng.IntN(600)) * time.Millisecond):
			in.kill()
			kills++
			in.start()
		}
	}
	nAcked := 0
	for i := range acked {
		if acked[i].Load() {
			nAcked++
		}
	}
	t.Logf("%d kills; %d of %d deliveries answered 250", kills, nAcked, total)
	if kills < 3 {
		t.Logf("only %d kills happened before the load finished", kills)
	}

	// Jobs acknowledged before a kill may still be in the pipeline: let it
	// drain, then kill once more and restart to check what is on disk.
	waitForMessages(t, in, users, nAcked)
	in.kill()
	in.start()

	seen := map[string]int{}
	for u := 0; u < users; u++ {
		for _, m := range in.examine(fmt.Sprintf("user/crash%d", u)).Messages {
			seen[m.MessageID]++
		}
	}
	lost, twice := 0, 0
	for i := 0; i < total; i++ {
		n := seen["<"+crashID(i)+">"]
		if acked[i].Load() && n != 1 {
			lost++
			if lost <= 10 {
				t.Errorf("message %d was answered 250 but is stored %d times", i, n)
			}
		}
		if n > 1 {
			twice++
			if twice <= 10 {
				t.Errorf("message %d is stored %d times", i, n)
			}
		}
	}
	if lost > 0 || twice > 0 {
		t.Fatalf("%d acknowledged messages not stored exactly once, %d stored more than once", lost, twice)
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("store check after crashes: %v\n%s", err, out)
	}
}

func crashID(i int) string { return fmt.Sprintf("crash-%d@test.example", i) }

// dialLMTP connects and greets, retrying while the server restarts (on a
// new port: the address is read afresh at each try).
func dialLMTP(in *instance, patience time.Duration) *smtp.Client {
	var client *smtp.Client
	testkit.Poll(patience, func() error {
		conn, err := net.DialTimeout("tcp", in.lmtpAddr(), time.Second)
		if err != nil {
			return err
		}
		c := smtp.NewClientLMTP(conn)
		if err := c.Hello("crash.test"); err != nil {
			c.Close()
			return err
		}
		client = c
		return nil
	})
	return client
}

// waitForMessages waits until the users' mailboxes hold at least want
// messages and stop growing.
func waitForMessages(t *testing.T, in *instance, users, want int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last, stable := -1, 0
	for time.Now().Before(deadline) {
		var list []admin.MboxlistEntry
		out, err := in.chapar("", "mboxlist", "--json")
		if err == nil && json.Unmarshal([]byte(out), &list) == nil {
			n := 0
			for _, e := range list {
				n += int(e.Messages)
			}
			if n == last && n >= want {
				stable++
				if stable >= 3 {
					return
				}
			} else {
				stable = 0
			}
			last = n
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("pipeline did not settle: %d messages stored, %d acknowledged", last, want)
}
