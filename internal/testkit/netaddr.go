package testkit

import "net"

// NonLoopbackIPv4 is an IPv4 address of this machine on an interface that
// is up and not loopback (not link-local either), or "" when it has none:
// a listener there takes connections the server must treat as coming from
// the network, although the test dials from this machine.
func NonLoopbackIPv4() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				return n.IP.String()
			}
		}
	}
	return ""
}
