package imap

import (
	"bufio"
	"net"
	"strings"
	"syscall"
	"testing"

	"chapar/internal/testkit"
)

// The listener survives running out of file descriptors: Accept failing
// with EMFILE (and ENFILE, ENOBUFS, ECONNABORTED) a few times does not end
// Serve, and the next client gets a whole session.
func TestServeSurvivesAcceptErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ECONNABORTED} {
		inner, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fl := &testkit.FailingListener{Listener: inner, Failures: 5, Err: errno}
		served := make(chan error, 1)
		go func() { served <- env.srv.Serve(fl) }()

		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		rc := &rawConn{t: t, conn: c, r: bufio.NewReader(c)}
		select {
		case err := <-served:
			t.Fatalf("%v: Serve returned %v", errno, err)
		default:
		}
		if g := rc.line(); !strings.HasPrefix(g, "* OK ") {
			t.Fatalf("%v: greeting %q", errno, g)
		}
		rc.ok("a LOGIN alice pw")
		rc.ok("b SELECT INBOX")
		rc.ok("c LOGOUT")
		c.Close()
		if n := fl.Calls(); n < 6 {
			t.Errorf("%v: %d accept calls, want the 5 failures and a success", errno, n)
		}
	}
}
