package imap

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
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

// envelopeListing makes what FETCH 1:* (ENVELOPE FLAGS) answers for a
// mailbox of bench-like mail: lines that differ in a few words and numbers.
func envelopeListing(r *rand.Rand, n int) string {
	var b strings.Builder
	senders := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	for i := 1; b.Len() < n; i++ {
		from := senders[r.IntN(len(senders))]
		addr := fmt.Sprintf(`((NIL NIL "%s" "senders.example"))`, from)
		fmt.Fprintf(&b, `* %d FETCH (ENVELOPE ("Fri, 04 Dec 2026 16:%02d:%02d +0000" "%s %s #%d" %s %s %s ((NIL NIL "test1" "example.com")) NIL NIL NIL "<3db2dde4b09b.%d@bench.chapar.example>") FLAGS (%s))`+"\r\n",
			i, r.IntN(60), r.IntN(60), benchWords[r.IntN(len(benchWords))], benchWords[r.IntN(len(benchWords))], i,
			addr, addr, addr, i, []string{`\Seen`, ""}[r.IntN(2)])
	}
	return b.String()
}

// BenchmarkDeflateWrite is the server's compressed write path alone, with
// no socket under it: bursts handed over in the session's 8 KiB pieces,
// then flushed, as a command's answer is. It must not allocate.
func BenchmarkDeflateWrite(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	// Each burst is cut from a text four windows (32 KiB each) longer, at
	// a new place each time, so that BestSpeed does not find the last
	// burst in its history.
	bursts := []struct {
		name string
		size int
		text string
	}{
		{"tagged-ok", 23, strings.Repeat("a12 OK NOOP completed\r\n", 1<<14)},
		{"flags-1KB", 1 << 10, envelopeListing(r, 1<<20)},
		{"bodies-12KB", 12 << 10, benchText(r, 1<<20)},
		{"envelopes-600KB", 600 << 10, envelopeListing(r, 1<<20)},
		{"bodies-600KB", 600 << 10, benchText(r, 1<<20)},
	}
	for _, burst := range bursts {
		b.Run(burst.name, func(b *testing.B) {
			conn := &discardConn{}
			d, err := newDeflateConn(conn, nil)
			if err != nil {
				b.Fatal(err)
			}
			text := []byte(burst.text)
			b.SetBytes(int64(burst.size))
			b.ReportAllocs()
			from := 0
			for b.Loop() {
				if from+burst.size > len(text) {
					from = 0
				}
				for rest := text[from : from+burst.size]; len(rest) > 0; {
					k := min(len(rest), 8<<10)
					if _, err := d.Write(rest[:k]); err != nil {
						b.Fatal(err)
					}
					rest = rest[k:]
				}
				if err := d.Flush(); err != nil {
					b.Fatal(err)
				}
				from += burst.size + 128<<10
			}
			if b.N > 0 {
				b.ReportMetric(100*float64(conn.n)/float64(b.N*burst.size), "%size")
			}
		})
	}
}

// discardConn is a connection that takes every write, counting the bytes,
// and has nothing to read.
type discardConn struct {
	net.Conn
	n int64
}

func (c *discardConn) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
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
			cpu := startCPU()
			for b.Loop() {
				c.send("f UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])\r\n")
				n = readUntilTag(b, c.r, "f ")
			}
			cpu.report(b)
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

// BenchmarkCompressSmall measures the round trip of commands whose
// answers are short, the bulk of an IMAP session: a NOOP (one tagged
// line) and a FETCH of flags (about 1 KB), without and with
// COMPRESS=DEFLATE. Each answer is a burst of its own, flushed at once
// (RFC 4978 §4), so the figure is the cost of a flush.
func BenchmarkCompressSmall(b *testing.B) {
	env := newTestEnv(b)
	for i := range 20 {
		env.deliver(b, "alice", testMessage(fmt.Sprintf("message %d", i), "text"))
	}
	for _, cmd := range []string{"NOOP", "UID FETCH 1:* (UID FLAGS RFC822.SIZE)"} {
		for _, compressed := range []bool{false, true} {
			name := strings.Fields(cmd)[0] + "/plain"
			if compressed {
				name = strings.Fields(cmd)[0] + "/deflate"
			}
			b.Run(name, func(b *testing.B) {
				c := env.rawLogin(b, "alice")
				if compressed {
					c.compress()
				}
				c.ok("s SELECT INBOX")
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					c.send("f " + cmd + "\r\n")
					readUntilTag(b, c.r, "f ")
				}
				cpu.report(b)
			})
		}
	}
}

// cpuClock is the process's CPU time (user and system) at a start, so
// that a benchmark can report what an operation cost in CPU, which on a
// shared machine varies less than the time it took.
type cpuClock time.Duration

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock(processCPU()) }

// report adds cpu-ns/op: client and server together, as both run here.
func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-time.Duration(c))/float64(b.N), "cpu-ns/op")
	}
}
