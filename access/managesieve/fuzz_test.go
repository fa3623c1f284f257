package managesieve

import (
	"io"
	"net"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// FuzzSession feeds arbitrary client input to a real session over a pipe:
// whatever arrives, the session answers and ends without a panic.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"CAPABILITY\r\nLOGOUT\r\n",
		"AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHNlY3JldA==\"\r\nPUTSCRIPT \"a\" {5+}\r\nkeep;\r\nSETACTIVE \"a\"\r\nLISTSCRIPTS\r\nGETSCRIPT \"a\"\r\n",
		"AUTHENTICATE \"LOGIN\"\r\n\"YWxpY2U=\"\r\n\"c2VjcmV0\"\r\nRENAMESCRIPT {1+}\r\na \"b\"\r\n",
		"AUTHENTICATE \"SCRAM-SHA-256\" \"biwsbj1hbGljZSxyPWFiYw==\"\r\n\"Yz1iaXdzLHI9YWJjLHA9QUFBQQ==\"\r\nAUTHENTICATE \"SCRAM-SHA-1-PLUS\"\r\n\"cD10bHMtdW5pcXVlLCxuPWFsaWNlLHI9eA==\"\r\n",
		"PUTSCRIPT \"x\" {99999999999}\r\n",
		"NOOP \"\\\"\"\r\nHAVESPACE \"x\" 99999999999999999999\r\n",
		"\"\r\n{\r\n}\r\n(\r\n",
	} {
		f.Add([]byte(seed))
	}
	st := testkit.OpenStore(f, store.Options{})
	testkit.AddUsers(f, st, "secret", "alice")
	srv := NewServer(Config{
		Store: st, PlaintextOK: func(net.Conn) bool { return true },
		Extensions: []string{"fileinto"}, MaxScriptSize: 4096, MaxScripts: 5,
		FailureDelay: 1, Timeout: 100 * time.Millisecond, Log: testkit.Quiet(),
	})
	f.Fuzz(func(t *testing.T, input []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			newSession(srv, server).serve()
		}()
		go func() {
			client.SetWriteDeadline(time.Now().Add(2 * time.Second))
			client.Write(input)
			client.Write([]byte("\r\nLOGOUT\r\n"))
		}()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, client)
		client.Close()
		<-done
	})
}
