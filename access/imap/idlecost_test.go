package imap

import (
	"runtime"
	"testing"
	"time"
)

// An idle session costs its reader goroutine and nothing else; one in
// IDLE adds the goroutine that waits for DONE. Not parallel: it counts
// every goroutine of the test process.
func TestIdleSessionsAreCheap(t *testing.T) {
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("m", "x"))
	settle := func() int {
		time.Sleep(100 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	base := settle()
	const n = 20
	var conns []*rawConn
	for i := 0; i < n; i++ {
		c := env.raw(t)
		c.ok("a LOGIN alice pw")
		c.ok("b SELECT INBOX")
		conns = append(conns, c)
	}
	if got := settle() - base; got > n+2 {
		t.Errorf("%d selected sessions cost %d goroutines", n, got)
	}
	for _, c := range conns {
		c.send("i IDLE\r\n")
		c.line()
	}
	if got := settle() - base; got > 2*n+2 {
		t.Errorf("%d idling sessions cost %d goroutines", n, got)
	}
	for _, c := range conns {
		c.send("DONE\r\n")
		c.until("i")
	}
	if got := settle() - base; got > n+2 {
		t.Errorf("after IDLE, %d sessions cost %d goroutines", n, got)
	}
}
