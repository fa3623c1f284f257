package connorigin

import (
	"net"
	"testing"
)

// addrConn is a net.Conn with chosen addresses and nothing else, for Of,
// which looks at nothing else.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c addrConn) LocalAddr() net.Addr  { return c.local }
func (c addrConn) RemoteAddr() net.Addr { return c.remote }

func TestOf(t *testing.T) {
	t.Parallel()
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000} }
	sock := &net.UnixAddr{Name: "/run/chapar/imap", Net: "unix"}
	for _, tc := range []struct {
		name          string
		local, remote net.Addr
		want          Origin
	}{
		{"IPv4 loopback", tcp("127.0.0.1"), tcp("127.0.0.1"), Loopback},
		{"elsewhere in 127/8", tcp("127.0.0.1"), tcp("127.3.2.1"), Loopback},
		{"IPv6 loopback", tcp("::1"), tcp("::1"), Loopback},
		{"IPv4-mapped loopback", tcp("::ffff:127.0.0.1"), tcp("::ffff:127.0.0.1"), Loopback},
		{"neighbour", tcp("192.0.2.2"), tcp("192.0.2.9"), Remote},
		{"own address dialled", tcp("192.0.2.2"), tcp("192.0.2.2"), Remote},
		{"IPv6 global", tcp("2001:db8::1"), tcp("2001:db8::2"), Remote},
		{"Unix socket", sock, &net.UnixAddr{Net: "unix"}, UnixSocket},
		{"Unix socket, no peer address", sock, nil, UnixSocket},
		{"no addresses", nil, nil, Remote},
	} {
		if got := Of(addrConn{local: tc.local, remote: tc.remote}); got != tc.want {
			t.Errorf("%s: Of = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// The whole table of the plaintext rule: every origin, with and without
// TLS, under each policy.
func TestPlaintextOK(t *testing.T) {
	t.Parallel()
	defaults := Policy{}
	open := Policy{AllowPlaintext: true}
	strict := Policy{RequireTLS: true}
	strictOpen := Policy{AllowPlaintext: true, RequireTLS: true}
	for _, tc := range []struct {
		policy Policy
		origin Origin
		secure bool
		want   bool
	}{
		{defaults, Remote, false, false},
		{defaults, Remote, true, true},
		{defaults, Loopback, false, true},
		{defaults, UnixSocket, false, true},
		{open, Remote, false, true},
		{strict, Loopback, false, false},
		{strict, Remote, false, false},
		{strict, Remote, true, true},
		{strict, UnixSocket, false, true},
		{strictOpen, Remote, false, false},
	} {
		if got := tc.policy.PlaintextOK(tc.origin, tc.secure); got != tc.want {
			t.Errorf("%+v, %s, secure %v: PlaintextOK = %v, want %v", tc.policy, tc.origin, tc.secure, got, tc.want)
		}
	}
}
