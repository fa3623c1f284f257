package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"

	bolt "go.etcd.io/bbolt"
)

// TestCrashDuringCreateDeleteRepairs kills the server while an IMAP client
// loops CREATE, APPEND, DELETE. Whatever half-done operations the kills
// leave, check --repair (over the admin socket of the restarted server)
// exits 0, a following check finds the store consistent, and the mailbox
// that held mail before the kills still holds all of it.
func TestCrashDuringCreateDeleteRepairs(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const kept = 5
	in := newInstance(t)
	in.start()
	in.addUser("keep")
	in.addUser("churn")
	client := dialLMTP(in, 30*time.Second)
	if client == nil {
		t.Fatal("LMTP does not answer")
	}
	for i := range kept {
		rcpt := "keep@example.com"
		replies, err := testkit.LMTPTransaction(client, "load@example.org", []string{rcpt},
			testMessage(fmt.Sprintf("keep-%d@test.example", i), "kept"))
		if err != nil || replies[rcpt] != nil {
			t.Fatalf("delivery %d: %v %v", i, err, replies[rcpt])
		}
	}
	client.Quit()

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 9))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rounds atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		churnMailboxes(in, stop, &rounds)
	}()
	kills := 0
	for ; kills < 5; kills++ {
		// Each kill waits for a round done since the restart before it,
		// so that on a loaded machine the kills still land on work.
		before := rounds.Load()
		testkit.Poll(30*time.Second, func() error {
			if rounds.Load() == before {
				return fmt.Errorf("no round since the last restart")
			}
			return nil
		})
		time.Sleep(time.Duration(200+rng.IntN(400)) * time.Millisecond)
		in.kill()
		in.start()
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	in.kill()
	in.start()
	t.Logf("%d kills during %d CREATE/APPEND/DELETE rounds", kills, rounds.Load())
	if rounds.Load() == 0 {
		t.Fatal("the IMAP client completed no round: the kills hit nothing")
	}

	out, err := in.chapar("", "check", "--repair")
	if err != nil {
		t.Fatalf("check --repair: %v\n%s", err, out)
	}
	t.Logf("check --repair:\n%s", out)
	if !strings.Contains(out, "store is consistent") {
		t.Fatalf("check --repair did not end consistent:\n%s", out)
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after repair: %v\n%s", err, out)
	}
	if n := len(in.examine("user/keep").Messages); n != kept {
		t.Fatalf("user/keep holds %d messages after the crashes and the repair, want %d", n, kept)
	}
	// A kill rarely lands between CREATE's two commits; an orphan index
	// made by hand, with the server down, shows the repair working on
	// the store directly: check fails, check --repair fixes, check passes.
	in.stop()
	addOrphanIndex(t, filepath.Join(in.dir, "data", "index", "shard-000.db"))
	if out, err := in.chapar("", "check"); err == nil || !strings.Contains(out, "orphan index") {
		t.Fatalf("check of a store with an orphan index: %v\n%s", err, out)
	}
	if out, err := in.chapar("", "check", "--repair"); err != nil || !strings.Contains(out, "repaired: shard 0: removed orphan index") {
		t.Fatalf("check --repair without a server: %v\n%s", err, out)
	}
	if out, err := in.chapar("", "check"); err != nil {
		t.Fatalf("check after the direct repair: %v\n%s", err, out)
	}
	in.start()
	// Every mailbox the list still names can be examined: none lost its index.
	for _, line := range strings.Split(in.mustChapar("", "mboxlist"), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "user.churn.") {
			in.examine("user/churn/" + strings.TrimPrefix(f[0], "user.churn."))
		}
	}
}

// addOrphanIndex writes into a shard file an index bucket no mailbox
// names, as a CREATE cut between its two commits leaves.
func addOrphanIndex(t *testing.T, shardPath string) {
	t.Helper()
	db, err := bolt.Open(shardPath, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.Bucket([]byte("mailboxes")).CreateBucket([]byte("0123456789abcdef01234567"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// churnMailboxes loops CREATE, APPEND, DELETE over IMAP until stop,
// reconnecting after each kill, and returns how many rounds completed.
func churnMailboxes(in *instance, stop chan struct{}, rounds *atomic.Int64) {
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		c, err := dialIMAPLogin(in, "churn")
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		for ; ; n++ {
			select {
			case <-stop:
				c.close()
				return
			default:
			}
			box := fmt.Sprintf("INBOX.box%d", n)
			msg := testMessage(fmt.Sprintf("churn-%d@test.example", n), "churn")
			if c.cmd("CREATE "+box) != nil || c.appendMsg(box, msg) != nil || c.cmd("DELETE "+box) != nil {
				c.close()
				break
			}
			rounds.Add(1)
		}
	}
}

// imapConn is a bare IMAP client: tagged commands, answers read to the tag.
type imapConn struct {
	conn net.Conn
	r    *bufio.Reader
	tag  int
}

func dialIMAPLogin(in *instance, user string) (*imapConn, error) {
	conn, err := net.DialTimeout("tcp", in.imapAddr(), time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := &imapConn{conn: conn, r: bufio.NewReader(conn)}
	if g, err := c.r.ReadString('\n'); err != nil || !strings.HasPrefix(g, "* OK") {
		conn.Close()
		return nil, fmt.Errorf("greeting %q: %v", g, err)
	}
	if err := c.cmd("LOGIN " + user + " secret"); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// cmd sends one command and reads to its tagged answer, which must be OK.
func (c *imapConn) cmd(line string) error {
	c.tag++
	tag := fmt.Sprintf("t%d", c.tag)
	if _, err := fmt.Fprintf(c.conn, "%s %s\r\n", tag, line); err != nil {
		return err
	}
	return c.answer(tag)
}

func (c *imapConn) answer(tag string) error {
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				return fmt.Errorf("%s", strings.TrimSpace(l))
			}
			return nil
		}
	}
}

// appendMsg APPENDs msg to box with a synchronising literal.
func (c *imapConn) appendMsg(box, msg string) error {
	c.tag++
	tag := fmt.Sprintf("t%d", c.tag)
	if _, err := fmt.Fprintf(c.conn, "%s APPEND %s {%d}\r\n", tag, box, len(msg)); err != nil {
		return err
	}
	l, err := c.r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(l, "+") {
		return fmt.Errorf("APPEND: %s", strings.TrimSpace(l))
	}
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", msg); err != nil {
		return err
	}
	return c.answer(tag)
}

func (c *imapConn) close() { c.conn.Close() }
