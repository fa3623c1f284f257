package imap

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sessions idling on one mailbox share the store read of each change:
// fifty of them, woken by one delivery, cost the hub one read (or a few,
// if the delivery's events wake them more than once), not fifty; each
// still sees the new message.
func TestIdleSessionsShareOneRead(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "x"))
	const n = 50
	idlers := make([]*rawConn, n)
	for i := range idlers {
		c := env.rawLogin(t, "alice")
		c.ok(fmt.Sprintf("s%d SELECT INBOX", i))
		c.send("i IDLE\r\n")
		c.expect("+ ...")
		idlers[i] = c
	}
	before := env.hub.Reads()
	env.deliver(t, "alice", testMessage("second", "y"))
	for _, c := range idlers {
		c.waitFor("* 2 EXISTS")
	}
	reads := env.hub.Reads() - before
	t.Logf("%d idling sessions, %d store reads for one delivery", n, reads)
	if reads < 1 || reads > 3 {
		t.Errorf("%d idling sessions made %d store reads through the hub for one delivery, want 1 to 3", n, reads)
	}
	for _, c := range idlers {
		c.send("DONE\r\n")
		c.until("i")
	}
	// A session that did not share (it was not idling) reads for itself
	// and sees the same.
	other := env.rawLogin(t, "alice")
	other.ok("a SELECT INBOX")
	other.ok("b NOOP")
	other.exchange("c FETCH 2 UID", "* 2 FETCH (UID 2)", "c OK FETCH completed")
}

// BenchmarkIdleFanout: a thousand sessions idle on one mailbox; each
// iteration delivers a message and waits until every session has read its
// EXISTS. ns/op is delivery to the last session's EXISTS; reads/op counts
// the store reads the hub made for them.
func BenchmarkIdleFanout(b *testing.B) {
	const n = 1000
	env := newTestEnv(b, func(c *Config) { c.MaxConnsPerUser = n + 10 })
	env.deliver(b, "alice", testMessage("first", "x"))
	seen := make([]chan int, n)
	for i := range seen {
		c := env.rawLogin(b, "alice")
		c.ok(fmt.Sprintf("s%d SELECT INBOX", i))
		c.send("i IDLE\r\n")
		c.expect("+ ...")
		seen[i] = make(chan int, 16)
		go func(r *bufio.Reader, out chan<- int) {
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					close(out)
					return
				}
				// Parsed by hand: Sscanf's allocations were most of
				// what the benchmark measured.
				if n, ok := strings.CutSuffix(l, " EXISTS\r\n"); ok && strings.HasPrefix(n, "* ") {
					if k, err := strconv.Atoi(n[2:]); err == nil {
						out <- k
					}
				}
			}
		}(c.r, seen[i])
		c.conn.SetReadDeadline(time.Time{})
	}
	before := env.hub.Reads()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		env.deliver(b, "alice", testMessage(fmt.Sprintf("m%d", it), "y"))
		for _, ch := range seen {
			for k := range ch {
				if k == it+2 {
					break
				}
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(env.hub.Reads()-before)/float64(b.N), "reads/op")
}
