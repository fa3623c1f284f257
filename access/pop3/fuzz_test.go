package pop3

import (
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// FuzzParseCommand: whatever line arrives, the parser returns a command
// or an error, never panics, and what it returns keeps the grammar.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{
		"USER alice", "PASS two words", "LIST", "LIST 1", "TOP 1 10", "RETR 99999999999999",
		"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH LOGIN", "uidl 3", "", " ", "USER  x",
		"\x00", "ÜSER", "CAPA 1 2 3 4 5", "PASS ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseCommand(line)
		if err != nil {
			if cmd.verb != "" || cmd.args != nil {
				t.Fatalf("%q: error %v with a command %+v", line, err, cmd)
			}
			return
		}
		if cmd.verb == "" || len(cmd.verb) > maxVerb || strings.ToUpper(cmd.verb) != cmd.verb {
			t.Fatalf("%q: keyword %q", line, cmd.verb)
		}
		if len(cmd.args) > maxArgs {
			t.Fatalf("%q: %d arguments", line, len(cmd.args))
		}
		for _, a := range cmd.args {
			if strings.ContainsAny(a, "\r\n\x00") {
				t.Fatalf("%q: argument %q holds a control character", line, a)
			}
			if cmd.verb != "PASS" && (a == "" || strings.Contains(a, " ")) {
				t.Fatalf("%q: argument %q", line, a)
			}
		}
		if n, ok := parseNumber(line); ok && (n < 0 || n > maxNumber) {
			t.Fatalf("%q: number %d", line, n)
		}
	})
}

// FuzzSession feeds arbitrary client input to a real session over a pipe:
// whatever arrives, the session answers and ends without a panic, and
// the maildrop lock is given back.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"CAPA\r\nUSER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 1 0\r\nDELE 1\r\nRSET\r\n",
		"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nDELE 1\r\nQUIT\r\n",
		"AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nTOP 1 99999999999\r\n",
		"AUTH PLAIN\r\n*\r\nAUTH\r\nAPOP a b\r\n",
		"USER alice\r\nPASS secret\r\nRETR 0\r\nLIST -1\r\nTOP 1 x\r\n",
		"\x00\r\n\n\r\r\n  \r\n",
	} {
		f.Add([]byte(seed))
	}
	st := testkit.OpenStore(f, store.Options{NoSync: true})
	testkit.AddUsers(f, st, "secret", "alice")
	for i, m := range []string{msg1, msg2, "no header or blank line", ""} {
		if _, err := st.Deliver(store.Delivery{Key: string(rune('a' + i)), Mailbox: "user.alice",
			Message: store.NewMessage{Body: []byte(m)}}); err != nil {
			f.Fatal(err)
		}
	}
	srv := NewServer(Config{Store: st, PlaintextOK: func(net.Conn) bool { return true },
		FailureDelay: 1, Log: testkit.Quiet()})
	f.Fuzz(func(t *testing.T, input []byte) {
		// QUIT is not sent after the input: the input's DELEs must not
		// empty the maildrop for the next run.
		input = quit.ReplaceAll(input, []byte("NOOP"))
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			newSession(srv, server, false).serve()
		}()
		go func() {
			client.SetWriteDeadline(time.Now().Add(2 * time.Second))
			client.Write(input)
			client.Close()
		}()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, client)
		client.Close()
		<-done
		if release, ok := srv.lock(mustInbox(t, st).UniqueID); !ok {
			t.Fatal("the maildrop stayed locked after the session")
		} else {
			release()
		}
	})
}

var quit = regexp.MustCompile(`(?i)quit`)

func mustInbox(t *testing.T, st *store.Store) *store.Mailbox {
	mb, err := st.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	return mb
}
