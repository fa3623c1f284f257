package imap

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchWords makes message text that compresses like mail does, not like
// a repeated string.
var benchWords = strings.Fields("the of and to in is for on that with as this be by are from at " +
	"meeting report quarterly budget please review attached invoice schedule project update " +
	"thanks regards customer account delivery shipment order status tomorrow friday monday " +
	"server release notes version changes fixed issue performance database migration")

func benchText(r *rand.Rand, n int) string {
	var b strings.Builder
	col := 0
	for b.Len() < n {
		w := benchWords[r.IntN(len(benchWords))]
		b.WriteString(w)
		col += len(w) + 1
		if col > 70 {
			b.WriteString("\r\n")
			col = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// BenchmarkFetchCompress measures the whole IMAP fetch path over a real
// socket, a UID FETCH of 100 messages of about 4 KB (headers and body),
// without and with COMPRESS=DEFLATE. Client and server share the machine,
// so the client's inflating is in the figure too.
func BenchmarkFetchCompress(b *testing.B) {
	env := newTestEnv(b)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 100 {
		env.deliver(b, "alice", testMessage(fmt.Sprintf("message %d about %s", i, benchText(r, 30)), benchText(r, 4000)))
	}
	for _, compressed := range []bool{false, true} {
		name := "plain"
		if compressed {
			name = "deflate"
		}
		b.Run(name, func(b *testing.B) {
			c := env.rawLogin(b, "alice")
			if compressed {
				c.compress()
			}
			c.ok("s SELECT INBOX")
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				c.send("f UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])\r\n")
				n = readUntilTag(b, c.r, "f ")
			}
			b.SetBytes(n)
		})
	}
}

// readUntilTag reads responses, skipping literals, up to the tagged line,
// and returns the bytes read.
func readUntilTag(b *testing.B, r *bufio.Reader, tag string) int64 {
	var total int64
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			b.Fatalf("read: %v", err)
		}
		total += int64(len(line))
		if strings.HasPrefix(string(line), tag) {
			if !strings.HasPrefix(string(line), tag+"OK") {
				b.Fatalf("fetch: %q", line)
			}
			return total
		}
		if n, _, ok := literalAtEnd(trimEOL(line)); ok {
			if _, err := io.CopyN(io.Discard, r, n); err != nil {
				b.Fatal(err)
			}
			total += n
		}
	}
}
