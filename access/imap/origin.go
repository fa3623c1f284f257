package imap

import "net"

// origin is where a connection comes from, as far as it decides whether a
// password may cross it without TLS.
type origin int

const (
	// originRemote: another machine may be at the other end, and the
	// network between may be read.
	originRemote origin = iota
	// originLoopback: a TCP connection from this machine (127.0.0.0/8,
	// ::1). Nothing crosses a wire, so Dovecot and chapar count it as
	// secure; whoever can read it can read the server's memory.
	originLoopback
	// originUnixSocket: a Unix-domain socket, reachable only through the
	// file system's permissions.
	originUnixSocket
)

// connOrigin classifies c by its addresses. An address of another machine
// on a local interface (the server's eth0 IP dialled from the server
// itself) stays remote: the kernel would keep it local, but nothing here
// can tell that apart from a neighbour on the same network.
func connOrigin(c net.Conn) origin {
	if a := c.LocalAddr(); a != nil && a.Network() == "unix" {
		return originUnixSocket
	}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok && a.IP.IsLoopback() {
		return originLoopback
	}
	return originRemote
}
