package ingest

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// FuzzQualifyingConn plays client bytes through the qualifying connection
// (with the server answering 354 to every DATA): it must not panic, and
// what go-smtp reads is what the client sent with nothing changed but
// "@unqualified.invalid" added after bare RCPT paths.
func FuzzQualifyingConn(f *testing.F) {
	for _, seed := range []string{
		"RCPT TO:<bob>\r\nRCPT TO:<alice+Work>\r\nDATA\r\nRCPT TO:<bob>\r\n.\r\nRCPT TO:<x>\r\n",
		"rcpt to: <bob> NOTIFY=NEVER\r\nBDAT 15 LAST\r\nRCPT TO:<bob>\r\nRCPT TO:<c>\n",
		"RCPT TO:<a@b>\r\nRCPT TO:<>\r\nRCPT TO:<\"q\">\r\nRCPT TO:bob\r\nBDAT x\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Contains(in, []byte(unqualifiedDomain)) {
			return
		}
		client, server := net.Pipe()
		go func() {
			client.Write(in)
			client.Close()
		}()
		q := newQualifyingConn(server)
		q.last354.Store(true)
		var out bytes.Buffer
		buf := make([]byte, 37) // small reads, to cross line ends
		if len(in) > 0 && in[0]%2 == 0 {
			buf = make([]byte, 4096) // go-smtp's size
		}
		for {
			n, err := q.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		got := bytes.ReplaceAll(out.Bytes(), []byte("@"+unqualifiedDomain), nil)
		if !bytes.Equal(got, in) {
			t.Fatalf("read %q from %q", out.Bytes(), in)
		}
		if want := qualifyLineByLine(in); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("read %q from %q, want %q", out.Bytes(), in, want)
		}
	})
}

// qualifyLineByLine is the rule written plainly, one whole line at a time,
// for the fuzz target to hold the block-wise reader to (as if every DATA
// were answered 354).
func qualifyLineByLine(in []byte) []byte {
	var out []byte
	inData := false
	for len(in) > 0 {
		line := in
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line = in[:i+1]
		}
		in = in[len(line):]
		if inData {
			out = append(out, line...)
			if string(line) == ".\r\n" || string(line) == ".\n" {
				inData = false
			}
			continue
		}
		if len(line) > 8<<10 {
			// Past the reader's buffer: never a command it rewrites.
			out = append(out, line...)
			continue
		}
		q := &qualifyingConn{}
		out = append(out, q.command(line)...)
		if q.afterDATA {
			inData = true
		}
		if q.bdatLeft > 0 {
			n := min(int(q.bdatLeft), len(in))
			out = append(out, in[:n]...)
			in = in[n:]
		}
	}
	return out
}

// A command line longer than the reader's buffer is passed on whole, its
// tail included, however much the tail looks like a command.
func TestQualifyingConnPassesOverLongLines(t *testing.T) {
	// The tail starts exactly where the 8 KiB buffer ends.
	in := []byte(string(bytes.Repeat([]byte("y"), 8<<10)) + "RCPT TO:<bob>\r\nRCPT TO:<bob>\r\n")
	client, server := net.Pipe()
	go func() {
		client.Write(in)
		client.Close()
	}()
	out, err := io.ReadAll(newQualifyingConn(server))
	if err != nil {
		t.Fatal(err)
	}
	if want := qualifyLineByLine(in); !bytes.Equal(out, want) || bytes.Count(out, []byte(unqualifiedDomain)) != 1 {
		t.Errorf("read %.40q...%q, want only the second RCPT qualified", out, out[len(out)-60:])
	}
}
