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

// scramIMAP logs in over IMAP with AUTHENTICATE SCRAM-SHA-256 (the tests'
// own client) and returns the greeting, the server-first message and the
// tagged answer; the server's signature is verified on success.
func scramIMAP(t *testing.T, addr, user, password string) (greeting, serverFirst, tagged string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
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
	greeting = line()
	sc := &testkit.SCRAMClient{Hash: sha256.New, User: user, Password: password}
	send("a AUTHENTICATE SCRAM-SHA-256 " + enc(sc.First()))
	l := line()
	first, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(l, "+ "))
	if err != nil || !strings.HasPrefix(l, "+ ") {
		return greeting, "", l
	}
	final, err := sc.Final(first)
	if err != nil {
		t.Fatal(err)
	}
	send(enc(final))
	if l = line(); !strings.HasPrefix(l, "+ ") {
		return greeting, string(first), l
	}
	serverFinal, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(l, "+ "))
	if err := sc.Verify(serverFinal); err != nil {
		t.Error(err)
	}
	send("")
	return greeting, string(first), line()
}

// Through the binary: sasl_mech_list picks the offer (a mechanism chapar
// lacks is left out with a warning), "chapar user add" derives SCRAM keys
// with sasl_scram_iteration_counter, a SCRAM-SHA-256 login works, and
// "chapar user passwd" replaces them.
func TestSCRAMThroughTheBinary(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "sasl_mech_list: SCRAM-SHA-256 DIGEST-MD5 PLAIN", "sasl_scram_iteration_counter: 64")
	in.start()
	in.addUser("alice")
	greeting, serverFirst, tagged := scramIMAP(t, in.imapAddr(), "alice", "secret")
	if !strings.Contains(greeting, " AUTH=SCRAM-SHA-256 AUTH=PLAIN ") || strings.Count(greeting, "AUTH=") != 2 {
		t.Errorf("greeting %q: want AUTH=SCRAM-SHA-256 AUTH=PLAIN only", greeting)
	}
	if !strings.HasSuffix(serverFirst, ",i=64") {
		t.Errorf("server-first %q: want the configured 64 iterations", serverFirst)
	}
	if !strings.HasPrefix(tagged, "a OK ") {
		t.Errorf("SCRAM login: %q", tagged)
	}
	if log := in.log(); !strings.Contains(log, "DIGEST-MD5") {
		t.Errorf("no warning about DIGEST-MD5 in the log:\n%s", log)
	}
	in.mustChapar("hunter2\n", "user", "passwd", "alice", "--password-stdin")
	if _, _, tagged := scramIMAP(t, in.imapAddr(), "alice", "secret"); !strings.HasPrefix(tagged, "a NO [AUTHENTICATIONFAILED]") {
		t.Errorf("old password after passwd: %q", tagged)
	}
	if _, _, tagged := scramIMAP(t, in.imapAddr(), "alice", "hunter2"); !strings.HasPrefix(tagged, "a OK ") {
		t.Errorf("new password after passwd: %q", tagged)
	}
	if _, err := in.chapar("x\n", "user", "passwd", "nobody", "--password-stdin"); err == nil {
		t.Error("passwd of an unknown user succeeded")
	}
}
