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
	})
}
