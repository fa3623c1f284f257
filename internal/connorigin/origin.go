// Package connorigin says where a client connection comes from, as far as
// that decides whether a password may cross it without TLS, and holds the
// one rule IMAP and ManageSieve apply to it (allowplaintext,
// sasl_minimum_layer).
package connorigin

import "net"

// Origin is where a connection comes from.
type Origin int

const (
	// Remote: another machine may be at the other end, and the network
	// between may be read.
	Remote Origin = iota
	// Loopback: a TCP connection from this machine (127.0.0.0/8, ::1).
	// Nothing crosses a wire, so Dovecot and chapar count it as secure;
	// whoever can read it can read the server's memory.
	Loopback
	// UnixSocket: a Unix-domain socket, reachable only through the file
	// system's permissions.
	UnixSocket
)

func (o Origin) String() string {
	switch o {
	case Loopback:
		return "loopback"
	case UnixSocket:
		return "unix socket"
	}
	return "remote"
}

// Of classifies c by its addresses. An address of another machine on a
// local interface (the server's eth0 IP dialled from the server itself)
// stays remote: the kernel would keep it local, but nothing here can tell
// that apart from a neighbour on the same network.
func Of(c net.Conn) Origin {
	if a := c.LocalAddr(); a != nil && a.Network() == "unix" {
		return UnixSocket
	}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok && a.IP.IsLoopback() {
		return Loopback
	}
	return Remote
}

// Policy is the operator's rule for passwords in the clear.
type Policy struct {
	// AllowPlaintext (allowplaintext: yes) lets passwords cross every
	// connection.
	AllowPlaintext bool
	// RequireTLS (sasl_minimum_layer > 0): Cyrus's minimum SASL security
	// strength; chapar's only layer is TLS, so any minimum at all asks
	// for TLS, loopback included (a Unix socket counts as one).
	RequireTLS bool
}

// PlaintextOK says whether a password may be sent on a connection of
// origin o, under TLS or not. TLS and Unix sockets always qualify;
// RequireTLS stops there, since chapar has no SASL security layer to
// offer instead; otherwise a loopback connection qualifies too, as it does
// in Dovecot, and AllowPlaintext opens every connection.
func (p Policy) PlaintextOK(o Origin, secure bool) bool {
	switch {
	case secure || o == UnixSocket:
		return true
	case p.RequireTLS:
		return false
	}
	return o == Loopback || p.AllowPlaintext
}
