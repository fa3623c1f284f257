package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// socketGroup resolves lmtp_socket_group, a group name or number, to the
// gid the LMTP sockets are given; empty is the process's own group.
func socketGroup(name string) (int, error) {
	if name == "" {
		return os.Getgid(), nil
	}
	if gid, err := strconv.Atoi(name); err == nil {
		return gid, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("lmtp_socket_group %s: %w", name, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0, fmt.Errorf("lmtp_socket_group %s: gid %q: %w", name, g.Gid, err)
	}
	return gid, nil
}
