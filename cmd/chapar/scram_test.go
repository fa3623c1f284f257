package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// Through the binary: sasl_mech_list picks the offer (a mechanism chapar
// lacks is left out with a warning), "chapar user add" derives SCRAM keys
// with sasl_scram_iteration_counter, and a SCRAM-SHA-256 login works.
func TestSCRAMThroughTheBinary(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "sasl_mech_list: SCRAM-SHA-256 DIGEST-MD5 PLAIN", "sasl_scram_iteration_counter: 64")
	in.start()
	in.addUser("alice")
	c, err := net.Dial("tcp", in.imapAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	line := func() string {
		t.Helper()
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(c, s+"\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	enc := base64.StdEncoding.EncodeToString
	greeting := line()
	if !strings.Contains(greeting, " AUTH=SCRAM-SHA-256 AUTH=PLAIN ") || strings.Count(greeting, "AUTH=") != 2 {
		t.Errorf("greeting %q: want AUTH=SCRAM-SHA-256 AUTH=PLAIN only", greeting)
	}
	sc := &testkit.SCRAMClient{Hash: sha256.New, User: "alice", Password: "secret"}
	send("a AUTHENTICATE SCRAM-SHA-256 " + enc(sc.First()))
	l := line()
	serverFirst, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(l, "+ "))
	if err != nil || !strings.HasSuffix(string(serverFirst), ",i=64") {
		t.Fatalf("server-first %q (%q): want the configured 64 iterations", serverFirst, l)
	}
	final, err := sc.Final(serverFirst)
	if err != nil {
		t.Fatal(err)
	}
	send(enc(final))
	serverFinal, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(line(), "+ "))
	if err := sc.Verify(serverFinal); err != nil {
		t.Error(err)
	}
	send("")
	if l := line(); !strings.HasPrefix(l, "a OK ") {
		t.Errorf("SCRAM login: %q", l)
	}
	if log := in.log(); !strings.Contains(log, "DIGEST-MD5") {
		t.Errorf("no warning about DIGEST-MD5 in the log:\n%s", log)
	}
}
