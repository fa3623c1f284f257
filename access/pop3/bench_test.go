package pop3

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRETR retrieves a 64 KiB message over a real socket, again and
// again in one session: the cost of reading the record, the body and
// dot-stuffing it. The allocations reported are mostly the server's:
// the client reads in place.
func BenchmarkRETR(b *testing.B) {
	addr, st, _ := testServer(b, nil)
	body := "From: a@example.org\r\nSubject: big\r\n\r\n" + strings.Repeat(".line of text that is a typical length for mail\r\n", 64<<10/50)
	put(b, st, "alice", body)
	c := dial(b, addr)
	c.login("alice")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.send("RETR 1")
		if got := c.read(); got != fmt.Sprintf("+OK %d octets", len(body)) {
			b.Fatalf("RETR: %q", got)
		}
		// Read without allocating, so that the figures are the server's.
		for {
			l, err := c.r.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if string(l) == ".\r\n" {
				break
			}
		}
	}
}
