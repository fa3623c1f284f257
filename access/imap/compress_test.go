package imap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// clientDeflate is the client's half of COMPRESS=DEFLATE for tests: every
// Write is compressed and sync-flushed, as a client sends each command at
// once; reads inflate what the server sends.
type clientDeflate struct {
	net.Conn
	r io.Reader
	w *flate.Writer
}

func (d *clientDeflate) Read(b []byte) (int, error) { return d.r.Read(b) }

func (d *clientDeflate) Write(b []byte) (int, error) {
	n, err := d.w.Write(b)
	if err == nil {
		err = d.w.Flush()
	}
	return n, err
}

// compress runs COMPRESS DEFLATE on a raw connection and switches it to
// compressed reading and writing.
func (c *rawConn) compress() {
	c.t.Helper()
	c.exchange("z COMPRESS DEFLATE", "z OK DEFLATE active")
	w, err := flate.NewWriter(c.conn, flate.DefaultCompression)
	if err != nil {
		c.t.Fatal(err)
	}
	d := &clientDeflate{Conn: c.conn, r: flate.NewReader(c.r), w: w}
	c.conn = d
	c.r = bufio.NewReader(d)
}

// After COMPRESS both directions are compressed; every command is
// answered in full at once (nothing is left in the server's compressor);
// a second COMPRESS is refused with the code RFC 4978 §3 gives.
func TestCompressTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	c := env.raw(t)
	c.exchange("a COMPRESS DEFLATE", "a BAD COMPRESS: not authenticated; LOGIN or AUTHENTICATE first")
	c.ok("b LOGIN alice pw")
	c.exchange("c COMPRESS LZW", "c BAD COMPRESS: unknown mechanism LZW")
	c.exchange("d COMPRESS", `d BAD expected space at end of line`)
	c.compress()
	c.exchange("e NOOP", "e OK NOOP completed")
	c.exchange("f SELECT INBOX",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted`,
		"* 1 EXISTS",
		"* 1 RECENT", // new to this session (RFC 3501 §2.3.2)
		"* OK [UNSEEN 1] First unseen message",
		"* OK [UIDVALIDITY ...",
		"* OK [UIDNEXT 2] Predicted next UID",
		"* OK [HIGHESTMODSEQ ...",
		"* OK [MAILBOXID ...",
		"f OK [READ-WRITE] SELECT completed")
	c.exchange("g FETCH 1 (UID BODY.PEEK[TEXT])", "* 1 FETCH (UID 1 BODY[TEXT] {10}\r\ntext one\r\n)", "g OK FETCH completed")
	// A literal through the compressed stream: the "+" comes at once.
	c.send("h APPEND INBOX {12}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("continuation: %q", l)
	}
	c.send("Subject: x\r\n\r\n")
	if out := c.until("h"); !transcriptMatches(out, []string{"* 2 EXISTS", "* 2 RECENT", "h OK [APPENDUID ..."}) {
		t.Errorf("append: %q", out)
	}
	c.exchange("i COMPRESS DEFLATE", "i NO [COMPRESSIONACTIVE] COMPRESS: DEFLATE is already active")
	c.exchange("j LOGOUT", "* BYE Logging out", "j OK LOGOUT completed")
}

// Pipelined commands sent in one compressed burst are all answered.
func TestCompressPipelined(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.compress()
	c.send("p1 NOOP\r\np2 CREATE Work\r\np3 STATUS Work (MESSAGES)\r\n")
	got := append(c.until("p1"), c.until("p2")...)
	got = append(got, c.until("p3")...)
	want := []string{"p1 OK NOOP completed", "p2 OK [MAILBOXID ...", "* STATUS Work (MESSAGES 0)", "p3 OK STATUS completed"}
	if !transcriptMatches(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A stream that does not inflate ends that session with BYE; the server
// goes on serving others.
func TestCompressCorruptStream(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.exchange("z COMPRESS DEFLATE", "z OK DEFLATE active")
	// BTYPE 11 is reserved (RFC 1951 §3.2.3): no inflater accepts it.
	if _, err := c.conn.Write([]byte{0xff, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(flate.NewReader(c.r))
	l, err := r.ReadString('\n')
	if l != "* BYE Corrupt DEFLATE stream\r\n" {
		t.Errorf("after corrupt input: %q, %v", l, err)
	}
	// The stream ends with its final block, then the connection closes.
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("stream not ended after BYE: %q, %v", rest, err)
	}
	d := env.rawLogin(t, "bob")
	d.exchange("a NOOP", "a OK NOOP completed")
}

// Python's imaplib, with zlib's raw deflate (wbits -15) around its socket
// I/O, as a client independent of this package's test helpers. It ends
// each command with Z_PARTIAL_FLUSH, as mbsync does, where the Go test
// client above sync-flushes.
const pythonCompressClient = `
import imaplib, os, sys, zlib

imaplib.Commands["COMPRESS"] = ("AUTH", "SELECTED")

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)

class Compressed(imaplib.IMAP4):
    def start_compress(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        check(typ == "OK", "compress %r" % data)
        self.inflater = zlib.decompressobj(-15)
        self.deflater = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        self.pending = b""
        self.compressed = True
    def send(self, data):
        if getattr(self, "compressed", False):
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_PARTIAL_FLUSH)
        self.sock.sendall(data)
    def _fill(self):
        chunk = self.sock.recv(65536)
        check(chunk, "connection closed")
        self.pending += self.inflater.decompress(chunk)
    def read(self, size):
        if not getattr(self, "compressed", False):
            return super().read(size)
        while len(self.pending) < size:
            self._fill()
        out, self.pending = self.pending[:size], self.pending[size:]
        return out
    def readline(self):
        if not getattr(self, "compressed", False):
            return super().readline()
        while b"\n" not in self.pending:
            self._fill()
        i = self.pending.index(b"\n") + 1
        out, self.pending = self.pending[:i], self.pending[i:]
        return out

c = Compressed("127.0.0.1", int(os.environ["IMAP_PORT"]))
typ, _ = c.login("alice", "pw")
check(typ == "OK", "login")
typ, data = c.capability()
check(b"COMPRESS=DEFLATE" in data[0], "capability %r" % data)
c.start_compress()
typ, data = c.select("INBOX")
check(typ == "OK" and data[0] == b"2", "select %r" % data)
typ, data = c.fetch("1:2", "(BODY.PEEK[TEXT])")
check(typ == "OK" and b"text one" in data[0][1] and b"text two" in data[2][1], "fetch %r" % data)
body = b"Subject: zipped\r\n\r\n" + b"all work and no play " * 2000 + b"\r\n"
typ, data = c.append("INBOX", None, None, body)
check(typ == "OK", "append %r" % data)
typ, data = c.fetch("3", "(BODY.PEEK[])")
check(typ == "OK" and data[0][1] == body, "fetch appended %r" % (data[0][0],))
typ, data = c._simple_command("COMPRESS", "DEFLATE")
check(typ == "NO", "second compress %r" % (typ,))
c.logout()
print("DONE", flush=True)
`

func TestCompressPythonZlib(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the COMPRESS end-to-end test needs it")
	}
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	env.deliver(t, "alice", testMessage("second", "text two"))
	cmd := exec.Command(py, "-c", pythonCompressClient)
	cmd.Env = append(cmd.Environ(), "IMAP_PORT="+port(env.addr))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("python client: %v\n%s", err, out)
	}
}

// IDLE through a compressed stream: the wake-up reaches the client at
// once (the session flushes the compressor), and DONE is read while the
// session writes.
func TestCompressIdle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.compress()
	c.ok("a SELECT INBOX")
	c.send("i1 IDLE\r\n")
	c.expect("+ idling")
	env.deliver(t, "alice", testMessage("pushed", "while idling"))
	c.expect("* 1 EXISTS", "* 1 RECENT")
	c.send("DONE\r\n")
	c.expect("i1 OK IDLE completed")
	c.exchange("f FETCH 1 (BODY.PEEK[TEXT])", "* 1 FETCH (BODY[TEXT] {14}\r\nwhile idling\r\n)", "f OK FETCH completed")
}

// The server's half of the stream mixes stored blocks (small bursts),
// BestSpeed and Huffman-only blocks (the bulk of a big burst). Every burst,
// whatever its size and whatever came before it, inflates to exactly what
// was written, at once, with Go's inflater (as the client in these tests
// and the bench's); an LZ77 history out of line with the client's window
// would show here as wrong bytes.
func TestCompressBurstSizes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	// Words (which BestSpeed shrinks to about a third: Huffman-only after
	// the first bulkBurst bytes) and a FETCH listing of envelopes (which
	// it shrinks to a tenth or less: BestSpeed throughout, probed again
	// every reprobeBurst bytes), and the one after the other.
	words, listing := benchText(r, 1200<<10), envelopeListing(r, 1200<<10)
	texts := map[string]string{"words": words, "listing": listing,
		"mixed": listing[:200<<10] + words[:200<<10] + listing[200<<10:800<<10]}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkBursts(t, text)
		})
	}
}

// checkBursts sends bursts of many sizes, cut from text, through a
// deflateConn and has Go's inflater read each back as soon as it is
// flushed.
func checkBursts(t *testing.T, text string) {
	server, client := net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	d, err := newDeflateConn(server, bufio.NewReader(server))
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{21, smallBurst, smallBurst + 1, 3000, 5, bulkBurst, bulkBurst + 1, 40, 300 << 10, 129,
		7, 9000, 100 << 10, 1, bulkBurst + reprobeBurst + 1, 2000, 3*reprobeBurst + 5, 33}
	got := make(chan string)
	go func() {
		in := flate.NewReader(client)
		for _, n := range sizes {
			b := make([]byte, n)
			if _, err := io.ReadFull(in, b); err != nil {
				got <- "read: " + err.Error()
				return
			}
			got <- string(b)
		}
	}()
	for i, n := range sizes {
		from := (i * 97) % (len(text) - n)
		want := text[from : from+n]
		// In the pieces the session's 8 KiB output buffer hands over, and
		// for the odd bursts in one write, as bufio passes a big one on.
		piece := 8 << 10
		if i%2 == 1 {
			piece = n
		}
		for rest := want; rest != ""; {
			k := min(len(rest), piece)
			if _, err := io.WriteString(d, rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g != want {
				t.Fatalf("burst %d of %d bytes inflated to %d bytes %.40q...", i, n, len(g), g)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("burst %d of %d bytes: not readable after the flush", i, n)
		}
	}
}

// FuzzDeflateBursts sends data, repeated (so that bursts pass the probes
// that choose the encoder), in bursts of the fuzzed size through a
// deflateConn, and Go's inflater must get every byte back.
func FuzzDeflateBursts(f *testing.F) {
	f.Add([]byte("* 1 FETCH (FLAGS (\\Seen))\r\n"), uint16(1500), uint8(200))
	f.Add([]byte("x"), uint16(8), uint8(1))
	f.Add([]byte{0, 0xff, 0x80, 7}, uint16(4097), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, burst uint16, repeat uint8) {
		if len(data) == 0 {
			return
		}
		text := bytes.Repeat(data, int(repeat)+1)
		size := int(burst)*16 + 1
		var sent bytes.Buffer
		d, err := newDeflateConn(&bufferConn{w: &sent}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for rest := text; len(rest) > 0; {
			b := rest[:min(len(rest), size)]
			for len(b) > 0 { // the session's 8 KiB pieces
				k := min(len(b), 8<<10)
				if _, err := d.Write(b[:k]); err != nil {
					t.Fatal(err)
				}
				b = b[k:]
			}
			if err := d.Flush(); err != nil {
				t.Fatal(err)
			}
			rest = rest[min(len(rest), size):]
		}
		d.Close()
		got, err := io.ReadAll(flate.NewReader(&sent))
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("%d bytes in bursts of %d inflated to %d bytes (%v)", len(text), size, len(got), err)
		}
	})
}

// bufferConn is a connection whose writes go to w.
type bufferConn struct {
	net.Conn
	w *bytes.Buffer
}

func (c *bufferConn) Write(b []byte) (int, error)      { return c.w.Write(b) }
func (c *bufferConn) SetWriteDeadline(time.Time) error { return nil }
func (c *bufferConn) Close() error                     { return nil }
