package imap

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"chapar/store"
)

// stressMailboxes are the mailboxes the stress clients share.
var stressMailboxes = []string{"INBOX", "Shared"}

// TestConcurrentSessionsStayInStep runs ten clients against two shared
// mailboxes, appending, fetching, storing flags (keywords $Label1 to
// $Label9 among them), moving and expunging at once, and checks every response
// (stressclient_test.go): no \Recent seen by two sessions, no keyword in a
// FETCH before a FLAGS that lists it, no sequence number or UID out of
// step. At the end each client's picture must be the store's. It runs a
// few seconds; CHAPAR_STRESS=1 runs it for a minute.
func TestConcurrentSessionsStayInStep(t *testing.T) {
	t.Parallel()
	run := 3 * time.Second
	if os.Getenv("CHAPAR_STRESS") == "1" {
		run = time.Minute
	}
	if testing.Short() {
		run = time.Second
	}
	env := newTestEnv(t)
	if _, err := env.store.CreateMailbox("user.alice.Shared", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	recent := &recentOwners{owner: map[string]string{}}
	const clients = 10
	cs := make([]*stressClient, clients)
	for i := range cs {
		c, err := dialStress(env.addr, i, recent)
		if err != nil {
			t.Fatal(err)
		}
		defer c.conn.Close()
		cs[i] = c
	}
	deadline := time.Now().Add(run)
	var wg sync.WaitGroup
	ops := make([]int, clients)
	errs := make([]error, clients)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops[i], errs[i] = c.work(rand.New(rand.NewPCG(uint64(i), 1)), deadline)
		}()
	}
	wg.Wait()
	total, recentSeen, keywordsSeen := 0, 0, 0
	for i, c := range cs {
		if errs[i] != nil {
			t.Errorf("client %d: %v", i, errs[i])
		}
		for _, p := range c.problems {
			t.Error(p)
		}
		total += ops[i]
		recentSeen += c.recentSeen
		keywordsSeen += c.keywordsSeen
	}
	// Quiet now: each client catches up and must hold the store's UIDs.
	for _, c := range cs {
		c.problems = c.problems[:0] // reported above
		if _, err := c.run("NOOP"); err != nil {
			t.Fatalf("client %d: %v", c.id, err)
		}
		if len(c.uids) > 0 {
			if _, err := c.run("FETCH 1:* (UID FLAGS)"); err != nil {
				t.Errorf("client %d: %v", c.id, err)
			}
		}
		name := store.UserInbox("alice")
		if c.selected != "INBOX" {
			name += "." + c.selected
		}
		mb, err := env.store.GetMailbox(name)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint32
		env.store.ForEachMessage(mb, 0, func(m *store.Message) bool { want = append(want, m.UID); return true })
		if !slices.Equal(c.uids, want) {
			t.Errorf("client %d sees UIDs %v in %s, the store holds %v", c.id, c.uids, c.selected, want)
		}
		for _, p := range c.problems {
			t.Error(p)
		}
	}
	t.Logf("%d commands in %v by %d clients; \\Recent seen %d times on %d messages, keywords %d times",
		total, run, clients, recentSeen, recent.count(), keywordsSeen)
	if total == 0 || recentSeen == 0 || keywordsSeen == 0 {
		t.Errorf("the run exercised too little: %d commands, %d \\Recent, %d keywords", total, recentSeen, keywordsSeen)
	}
}

// work runs random commands until the deadline, returning how many ran.
func (c *stressClient) work(rnd *rand.Rand, deadline time.Time) (int, error) {
	if err := c.selectMailbox(stressMailboxes[c.id%len(stressMailboxes)]); err != nil {
		return 0, err
	}
	n := 0
	for ; time.Now().Before(deadline); n++ {
		if err := c.step(rnd); err != nil {
			return n, err
		}
	}
	return n, nil
}

// step runs one random command.
func (c *stressClient) step(rnd *rand.Rand) error {
	label := fmt.Sprintf("$Label%d", 1+rnd.IntN(9))
	switch k := rnd.IntN(20); {
	case k < 5:
		msg := fmt.Sprintf("From: c%d@example.org\r\nSubject: stress\r\n\r\nbody %d\r\n", c.id, rnd.Int())
		flags := ""
		if rnd.IntN(3) == 0 {
			flags = "(" + label + ") "
		}
		to := stressMailboxes[rnd.IntN(len(stressMailboxes))]
		_, err := c.run(fmt.Sprintf("APPEND %s %s{%d+}\r\n%s", to, flags, len(msg), msg))
		return err
	case k < 9:
		if len(c.uids) == 0 {
			_, err := c.run("NOOP")
			return err
		}
		// FLAGS alone comes from the session's view; with RFC822.SIZE
		// the flags are read from the store, which may be ahead of it.
		items := "(UID FLAGS)"
		if rnd.IntN(2) == 0 {
			items = "(UID FLAGS RFC822.SIZE)"
		}
		// The whole mailbox now and then, else its last messages, so
		// that a long run does not spend itself on ever longer answers.
		from := 1
		if rnd.IntN(4) != 0 {
			from = max(1, len(c.uids)-40)
		}
		_, err := c.run(fmt.Sprintf("FETCH %d:* %s", from, items))
		return err
	case k < 14:
		uid := c.randomUID(rnd)
		op := "+FLAGS"
		if rnd.IntN(3) == 0 {
			op = "-FLAGS"
		}
		_, err := c.run(fmt.Sprintf("UID STORE %d %s (%s)", uid, op, label))
		return err
	case k < 16:
		// Three at a time, about as fast as messages come.
		uids := fmt.Sprintf("%d,%d,%d", c.randomUID(rnd), c.randomUID(rnd), c.randomUID(rnd))
		if _, err := c.run(fmt.Sprintf(`UID STORE %s +FLAGS.SILENT (\Deleted)`, uids)); err != nil {
			return err
		}
		_, err := c.run("EXPUNGE")
		return err
	case k < 17:
		return c.selectMailbox(stressMailboxes[rnd.IntN(len(stressMailboxes))])
	case k < 18:
		// A moved message is new, and \Recent to one session, where
		// it lands, as a copy is (RFC 3501 §6.4.7; RFC 6851 moves as COPY).
		to := stressMailboxes[rnd.IntN(len(stressMailboxes))]
		_, err := c.run(fmt.Sprintf("UID MOVE %d %s", c.randomUID(rnd), to))
		return err
	default:
		_, err := c.run("NOOP")
		return err
	}
}

// randomUID picks a UID the client knows, or one past them (a UID STORE
// of a UID not there is no error).
func (c *stressClient) randomUID(rnd *rand.Rand) uint32 {
	if len(c.uids) > 0 {
		if u := c.uids[rnd.IntN(len(c.uids))]; u != 0 {
			return u
		}
	}
	return 1 + uint32(rnd.IntN(50))
}
