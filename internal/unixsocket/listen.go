// Package unixsocket makes the Unix-domain sockets chapar listens on with
// the mode and group their callers choose, never, even for an instant,
// with whatever the process's umask would give them.
package unixsocket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Options say who may connect: Mode is the socket's permission bits
// (connecting needs write permission), GID its group, or -1 to keep the
// process's group.
type Options struct {
	Mode fs.FileMode
	GID  int
}

// Listen creates a socket at path, refusing one a live process answers on
// and replacing a stale one. A missing parent directory is made 0750 and,
// with a GID, given that group, so that the group can reach the socket.
//
// The socket is bound inside a fresh private directory beside path, given
// its mode and group there, and renamed into place: so it never exists at
// path with a looser mode, and the process-wide umask, which every other
// goroutine's file creation depends on, is left alone.
func Listen(path string, o Options) (net.Listener, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		// Whatever the umask took away: the group must pass.
		if err := os.Chmod(dir, 0o750); err != nil {
			return nil, err
		}
		if o.GID >= 0 {
			if err := os.Chown(dir, -1, o.GID); err != nil {
				return nil, fmt.Errorf("socket directory %s: %w", dir, err)
			}
		}
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s is in use", path)
	}
	private, err := os.MkdirTemp(dir, ".s")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(private)
	bound := filepath.Join(private, "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: bound, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The name it was bound under goes away with the private directory;
	// Close removes the one it is reached by.
	l.SetUnlinkOnClose(false)
	if err := place(bound, path, o); err != nil {
		l.Close()
		return nil, err
	}
	return &listener{UnixListener: l, path: path}, nil
}

func place(bound, path string, o Options) error {
	if o.GID >= 0 {
		if err := os.Chown(bound, -1, o.GID); err != nil {
			return fmt.Errorf("socket group %d: %w", o.GID, err)
		}
	}
	if err := os.Chmod(bound, o.Mode.Perm()); err != nil {
		return err
	}
	return os.Rename(bound, path)
}

// listener removes its socket file when closed, as net.UnixListener does
// for the name it was bound under.
type listener struct {
	*net.UnixListener
	path string
}

// Addr is the path clients dial, not the private one it was bound under.
func (l *listener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *listener) Close() error {
	err := l.UnixListener.Close()
	os.Remove(l.path)
	return err
}
