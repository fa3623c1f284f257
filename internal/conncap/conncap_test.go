package conncap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"chapar/internal/testkit"
)

const refusal = "* BYE [UNAVAILABLE] Too many connections\r\n"

// serveGreeting listens on network/addr with the limiter's caps and greets
// every admitted connection with "* OK", holding it until the client
// closes it.
func serveGreeting(t *testing.T, lim *Limiter, network, addr string) net.Listener {
	t.Helper()
	inner, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	l := lim.Wrap(inner, refusal)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "* OK ready\r\n")
				io.Copy(io.Discard, c) // until the client closes
			}()
		}
	}()
	return inner
}

// dial connects and returns the greeting line and the connection.
func dial(t *testing.T, network, addr string) (string, net.Conn) {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("greeting: %v", err)
	}
	return line, c
}

func TestTheTotalCapRefusesWithTheServicesLineAndFreesSlotsOnClose(t *testing.T) {
	t.Parallel()
	lim := NewLimiter("imap", Limits{Max: 2}, testkit.Quiet())
	l := serveGreeting(t, lim, "tcp", "127.0.0.1:0")
	addr := l.Addr().String()

	g1, c1 := dial(t, "tcp", addr)
	g2, _ := dial(t, "tcp", addr)
	if g1 != "* OK ready\r\n" || g2 != "* OK ready\r\n" {
		t.Fatalf("greetings under the cap: %q %q", g1, g2)
	}
	g3, c3 := dial(t, "tcp", addr)
	if g3 != refusal {
		t.Fatalf("third connection over a cap of 2: %q, want %q", g3, refusal)
	}
	if _, err := c3.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("refused connection not closed after its BYE: %v", err)
	}

	c1.Close()
	testkit.CheckFor(t, 10*time.Second, func() error {
		if g, _ := dial(t, "tcp", addr); g != "* OK ready\r\n" {
			return fmt.Errorf("after a close: %q", g)
		}
		return nil
	})
}

// Unix-socket clients count in the total, shared with the TCP listeners.
func TestUnixSocketsShareTheTotalCap(t *testing.T) {
	t.Parallel()
	lim := NewLimiter("lmtp", Limits{Max: 1, PerIP: 1}, testkit.Quiet())
	sock := filepath.Join(t.TempDir(), "lmtp")
	serveGreeting(t, lim, "unix", sock)
	tcp := serveGreeting(t, lim, "tcp", "127.0.0.1:0")
	if g, _ := dial(t, "unix", sock); g != "* OK ready\r\n" {
		t.Fatalf("first connection, on the socket: %q", g)
	}
	if g, _ := dial(t, "tcp", tcp.Addr().String()); g != refusal {
		t.Fatalf("second connection, on TCP, over a total of 1: %q", g)
	}
}

// Loopback clients are not bound per IP: a local MTA or proxy carries many.
func TestLoopbackIsNotCappedPerIP(t *testing.T) {
	t.Parallel()
	lim := NewLimiter("imap", Limits{Max: 10, PerIP: 1}, testkit.Quiet())
	addr := serveGreeting(t, lim, "tcp", "127.0.0.1:0").Addr().String()
	for i := range 3 {
		if g, _ := dial(t, "tcp", addr); g != "* OK ready\r\n" {
			t.Fatalf("loopback connection %d with a per-IP cap of 1: %q", i, g)
		}
	}
}

// The per-IP cap, on a real socket from this host's own non-loopback
// address.
func TestThePerIPCapRefusesTheSameAddress(t *testing.T) {
	t.Parallel()
	ip := ownAddress(t)
	lim := NewLimiter("imap", Limits{Max: 10, PerIP: 2}, testkit.Quiet())
	addr := serveGreeting(t, lim, "tcp", net.JoinHostPort(ip, "0")).Addr().String()
	for i := range 2 {
		if g, _ := dial(t, "tcp", addr); g != "* OK ready\r\n" {
			t.Fatalf("connection %d from %s under a per-IP cap of 2: %q", i, ip, g)
		}
	}
	if g, _ := dial(t, "tcp", addr); g != refusal {
		t.Fatalf("third connection from %s: %q, want the refusal", ip, g)
	}
	if total, fromIP := lim.Open(ip); total != 2 || fromIP != 2 {
		t.Fatalf("open connections: %d total, %d from %s; want 2 and 2", total, fromIP, ip)
	}
}

// ownAddress is an IPv4 address of this host that is not loopback, to dial
// from and to.
func ownAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address to test the per-IP cap on")
	return ""
}

func TestIPKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4000}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 4000}, "2001:db8::1"},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 4000}, ""},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 4000}, ""},
		{&net.UnixAddr{Name: "/run/lmtp", Net: "unix"}, ""},
	} {
		if got := ipKey(c.addr); got != c.want {
			t.Errorf("ipKey(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestClosingTwiceGivesOneSlotBack(t *testing.T) {
	t.Parallel()
	lim := NewLimiter("imap", Limits{Max: 3}, testkit.Quiet())
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := lim.Wrap(inner, refusal)
	defer l.Close()
	// Both dials complete in the listen backlog, before Accept.
	for range 2 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	a, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	a.Close()
	if total, _ := lim.Open(""); total != 1 {
		t.Fatalf("after closing one of two connections twice: %d open, want 1", total)
	}
	b.Close()
	if total, _ := lim.Open(""); total != 0 {
		t.Fatalf("after closing both: %d open", total)
	}
}
