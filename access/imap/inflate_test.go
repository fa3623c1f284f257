package imap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// inflateAll decodes a whole stream with the session's inflater.
func inflateAll(data []byte) ([]byte, error) {
	return io.ReadAll(newInflater(bufio.NewReader(bytes.NewReader(data))))
}

// Every block type the standard library's writer makes decodes to what
// went in: stored (level 0), fixed and dynamic codes, long copies.
func TestInflateMatchesStandardWriter(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	inputs := [][]byte{
		nil,
		[]byte("a NOOP\r\n"),
		bytes.Repeat([]byte("abc"), 100000),
		[]byte(benchText(r, 200000)),
	}
	noise := make([]byte, 70000)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	inputs = append(inputs, noise)
	for _, in := range inputs {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly} {
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, level)
			w.Write(in[:len(in)/2])
			w.Flush()
			w.Write(in[len(in)/2:])
			w.Close()
			got, err := inflateAll(buf.Bytes())
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("level %d, %d bytes: got %d bytes, %v", level, len(in), len(got), err)
			}
		}
	}
}

// What a flushed command decodes to is handed out while the stream stays
// open: the session must read a command without waiting for the next.
func TestInflateReturnsFlushedDataAtOnce(t *testing.T) {
	t.Parallel()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	w, _ := flate.NewWriter(c1, flate.DefaultCompression)
	go func() {
		w.Write([]byte("a NOOP\r\n"))
		w.Flush()
	}()
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(newInflater(bufio.NewReader(c2)))
	line, err := br.ReadString('\n')
	if line != "a NOOP\r\n" || err != nil {
		t.Fatalf("got %q, %v", line, err)
	}
}

func TestInflateCorrupt(t *testing.T) {
	t.Parallel()
	for _, bad := range [][]byte{
		{0xff},                   // reserved block type
		{0x00, 0x05, 0x00, 0x00}, // stored length without its complement
		{0x01, 0x01, 0x00, 0xfe}, // stored block cut short
	} {
		_, err := inflateAll(bad)
		if err == nil {
			t.Errorf("%x: no error", bad)
		}
		if bad[0] == 0xff && !errors.Is(err, errInflate) {
			t.Errorf("%x: %v, want errInflate", bad, err)
		}
	}
}

// FuzzInflate: any input ends in data or an error, never a panic, and
// where the standard library decodes a stream, this decoder agrees.
func FuzzInflate(f *testing.F) {
	for _, level := range []int{0, 1, 6, -2} {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, level)
		w.Write([]byte("a1 APPEND INBOX {5+}\r\nhello\r\na2 NOOP a2 NOOP a2 NOOP\r\n"))
		w.Flush()
		w.Close()
		f.Add(buf.Bytes())
	}
	f.Add([]byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := inflateAll(data)
		want, werr := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
		if werr == nil && (err != nil || !bytes.Equal(got, want)) {
			t.Fatalf("standard library decodes %d bytes, this decoder %d (%v)", len(want), len(got), err)
		}
	})
}

// BenchmarkInflate compares the session's decoder with the standard
// library's on 1 MB of mail-like text at the fastest level.
func BenchmarkInflate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	in := []byte(benchText(r, 1<<20))
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(in)
	w.Close()
	b.Run("session", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			io.Copy(io.Discard, newInflater(bufio.NewReader(bytes.NewReader(buf.Bytes()))))
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			io.Copy(io.Discard, flate.NewReader(bytes.NewReader(buf.Bytes())))
		}
	})
}
