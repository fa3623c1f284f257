package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// compactMessage is a message of about size octets whose every line
// carries its marker, so that the segment files can be grepped for it.
func compactMessage(id string, size int) string {
	var b strings.Builder
	b.WriteString(testMessage(id, "marker "+id))
	for b.Len() < size {
		fmt.Fprintf(&b, "%s padding line of the body\r\n", id)
	}
	return b.String()
}

// spoolHolds reports whether a segment file of the spool holds s.
func spoolHolds(t *testing.T, in *instance, s string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(in.dir, "spool", "bodies", "seg-*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

// imapLogin opens an IMAP session as user (password "secret") on mailbox.
func imapLogin(t *testing.T, in *instance, user, mailbox string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(in.imapAddr(), nil)
	if err != nil {
		t.Fatalf("dial IMAP: %v", err)
	}
	if err := c.Login(user, "secret").Wait(); err != nil {
		t.Fatalf("LOGIN: %v", err)
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	return c
}

// bodiesByMessageID fetches every message of the selected mailbox whole,
// by Message-ID.
func bodiesByMessageID(c *imapclient.Client) (map[string][][]byte, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, err
	}
	out := map[string][][]byte{}
	for _, m := range msgs {
		id := "<" + m.Envelope.MessageID + ">"
		out[id] = append(out[id], m.FindBodySection(section))
	}
	return out, nil
}

// The check: deliver, expunge most, compact by hand; the expunged
// bodies are gone from the segment files, the rest read back as sent.
func TestCompactCommandReclaimsExpungedMail(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "compact_interval: 0")
	in.start()
	in.addUser("alice")
	const n = 30
	sent := map[string]string{}
	for i := range n {
		id := fmt.Sprintf("cmark%02d@test", i)
		sent["<"+id+">"] = compactMessage(id, 20000)
		if _, err := testkit.LMTPSend(in.lmtpAddr(), "a@example.org", []string{"alice@example.com"}, sent["<"+id+">"]); err != nil {
			t.Fatal(err)
		}
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got := len(in.examine("user/alice").Messages); got != n {
			return fmt.Errorf("%d messages delivered", got)
		}
		return nil
	})
	c := imapLogin(t, in, "alice", "INBOX")
	defer c.Close()
	// Keep every tenth message (sequence numbers 10, 20, 30).
	expungeAllButEveryTenth(t, c, n)
	if !spoolHolds(t, in, "cmark00@test padding") {
		t.Fatal("the expunged body is not on disk before compaction: the test proves nothing")
	}

	list := in.mustChapar("", "compact")
	if !strings.Contains(list, "qualifies") {
		t.Fatalf("chapar compact lists no qualifying segment:\n%s", list)
	}
	out := in.mustChapar("", "compact", "--now")
	t.Logf("chapar compact --now:\n%s", out)
	if !strings.Contains(out, "compacted default segment 1: 3 bodies") {
		t.Errorf("chapar compact --now does not report segment 1 with its 3 live bodies:\n%s", out)
	}
	for i := range n {
		marker := fmt.Sprintf("cmark%02d@test padding", i)
		if want := (i+1)%10 == 0; spoolHolds(t, in, marker) != want {
			t.Errorf("after compaction the segments hold %q: %v, want %v", marker, !want, want)
		}
	}
	got, err := bodiesByMessageID(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("INBOX holds %d messages after compaction, want 3", len(got))
	}
	for id, bodies := range got {
		if len(bodies) != 1 || !bytes.HasSuffix(bodies[0], []byte(sent[id])) {
			t.Errorf("%s reads back changed after compaction (%d copies)", id, len(bodies))
		}
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("chapar check after compaction: %v\n%s", err, out)
	}
	// And again after a restart.
	in.kill()
	in.start()
	c2 := imapLogin(t, in, "alice", "INBOX")
	defer c2.Close()
	got, err = bodiesByMessageID(c2)
	if err != nil || len(got) != 3 {
		t.Fatalf("after a restart: %d messages, %v", len(got), err)
	}
	for id, bodies := range got {
		if !bytes.HasSuffix(bodies[0], []byte(sent[id])) {
			t.Errorf("%s reads back changed after the restart", id)
		}
	}
}

// Compaction under load with random SIGKILLs: LMTP deliveries and an IMAP
// session expunging most of them run while the background compactor
// moves bodies every second; the server is killed at random moments.
// Afterwards every message answered 250 and never expunged is stored
// exactly once and reads back as sent, and chapar check is clean.
func TestCompactCrashUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const (
		total = 1200
		conns = 3
	)
	in := newInstance(t, "lmtp_outcome_wait: 2s", "compact_interval: 1s", "compact_dead_percent: 10",
		"compact_max_bytes_per_sec: 0")
	in.start()
	in.addUser("bulk")
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 11))

	msgs := make([]string, total)
	for i := range msgs {
		msgs[i] = compactMessage(fmt.Sprintf("load%d@test", i), 8000+i*37%9000)
	}
	var next atomic.Int64
	acked := make([]atomic.Bool, total)
	// expunged: messages an expunge was sent for (done or not: a kill
	// leaves it unknown); only these may be missing.
	var expMu sync.Mutex
	expunged := map[string]bool{}
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
				replies, err := testkit.LMTPTransaction(client, "load@example.org", []string{"bulk@example.com"}, msgs[i])
				if err != nil {
					client.Close()
					client = nil
					continue
				}
				if replies["bulk@example.com"] == nil {
					acked[i].Store(true)
				}
			}
			if client != nil {
				client.Quit()
			}
		}()
	}
	done := make(chan struct{})
	// The expunger: every so often, three of four messages with an even
	// number go (marked \Deleted and expunged by UID).
	var expWG sync.WaitGroup
	expWG.Add(1)
	go func() {
		defer expWG.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			compactExpunge(in, &expMu, expunged)
		}
	}()
	// Passes by hand too, back to back, so that kills land inside them
	// and not only between the background's passes.
	expWG.Add(1)
	go func() {
		defer expWG.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			// Through the socket alone: the command line would open the
			// store itself while the server is down, and hold its locks
			// against the restart.
			var raw json.RawMessage
			admin.Call(in.socket, admin.CmdCompact, json.RawMessage(`{"now":true}`), &raw)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	go func() { wg.Wait(); close(done) }()
	kills := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(time.Duration(300+rng.IntN(1000)) * time.Millisecond):
			in.kill()
			kills++
			in.start()
		}
	}
	expWG.Wait()
	nAcked := 0
	for i := range acked {
		if acked[i].Load() {
			nAcked++
		}
	}
	waitForMessages(t, in, 1, 0)
	// A last expunge and a pass with nothing running, then a kill.
	compactExpunge(in, &expMu, expunged)
	in.mustChapar("", "compact", "--now")
	in.kill()
	in.start()
	compacted := strings.Count(in.log(), "compacted segment")
	t.Logf("%d kills; %d of %d answered 250; %d expunges sent; %d segments compacted", kills, nAcked, total, len(expunged), compacted)
	if kills < 3 {
		t.Logf("only %d kills happened before the load finished", kills)
	}
	if compacted < 2 {
		t.Errorf("only %d segments were compacted: the test proves little", compacted)
	}

	c := imapLogin(t, in, "bulk", "INBOX")
	defer c.Close()
	got, err := bodiesByMessageID(c)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i := range total {
		id := fmt.Sprintf("<load%d@test>", i)
		bodies := got[id]
		if acked[i].Load() && !expunged[id] && len(bodies) != 1 {
			bad++
			t.Errorf("message %d answered 250 and never expunged is stored %d times", i, len(bodies))
		}
		if len(bodies) > 1 {
			bad++
			t.Errorf("message %d is stored %d times", i, len(bodies))
		}
		for _, b := range bodies {
			if !bytes.HasSuffix(b, []byte(msgs[i])) {
				bad++
				t.Errorf("message %d reads back changed (%d octets)", i, len(b))
			}
		}
		if bad > 10 {
			t.FailNow()
		}
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("store check after crashes: %v\n%s", err, out)
	}
}

// compactExpunge expunges, over IMAP, three of four stored messages with an
// even number, noting each before the command goes out.
func compactExpunge(in *instance, mu *sync.Mutex, expunged map[string]bool) {
	c, err := imapclient.DialInsecure(in.imapAddr(), nil)
	if err != nil {
		return
	}
	defer c.Close()
	if c.Login("bulk", "secret").Wait() != nil {
		return
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		return
	}
	var uids imap.UIDSet
	mu.Lock()
	for _, m := range msgs {
		var i int
		if _, err := fmt.Sscanf(m.Envelope.MessageID, "load%d@test", &i); err == nil && i%2 == 0 && i%8 != 0 {
			expunged["<"+m.Envelope.MessageID+">"] = true
			uids.AddNum(m.UID)
		}
	}
	mu.Unlock()
	if len(uids) == 0 {
		return
	}
	if c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close() != nil {
		return
	}
	c.UIDExpunge(uids).Close()
}

// expungeAllButEveryTenth expunges messages 1..n of the selected mailbox
// but for sequence numbers 10, 20, 30...: 90% of them, as the issue's
// compaction figures ask.
func expungeAllButEveryTenth(t *testing.T, c *imapclient.Client, n int) {
	t.Helper()
	var doomed imap.SeqSet
	for i := 1; i <= n; i++ {
		if i%10 != 0 {
			doomed.AddNum(uint32(i))
		}
	}
	if err := c.Store(doomed, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
}
