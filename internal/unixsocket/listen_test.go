package unixsocket

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func stat(t *testing.T, path string) (os.FileInfo, *syscall.Stat_t) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi, fi.Sys().(*syscall.Stat_t)
}

// otherGroup is a group other than the process's that it may give files
// to: any group when root, else one of its supplementary groups; -1 when
// there is none.
func otherGroup() int {
	if os.Geteuid() == 0 {
		if os.Getgid() != 1 {
			return 1
		}
		return 2
	}
	groups, _ := os.Getgroups()
	for _, g := range groups {
		if g != os.Getgid() {
			return g
		}
	}
	return -1
}

func TestModeGroupAndCleanup(t *testing.T) {
	t.Parallel()
	gid := otherGroup()
	if gid < 0 {
		gid = os.Getgid()
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "socket", "lmtp")
	l, err := Listen(path, Options{Mode: 0o660, GID: gid})
	if err != nil {
		t.Fatal(err)
	}
	if a := l.Addr().String(); a != path {
		t.Errorf("Addr() = %q, want %q", a, path)
	}
	fi, st := stat(t, path)
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 || int(st.Gid) != gid {
		t.Errorf("socket %v gid %d, want socket 0660 gid %d", fi.Mode(), st.Gid, gid)
	}
	// The directory it made is 0750 in that group, so the group reaches
	// the socket; nothing else is left beside it.
	di, dst := stat(t, filepath.Dir(path))
	if di.Mode().Perm() != 0o750 || int(dst.Gid) != gid {
		t.Errorf("socket directory %v gid %d, want 0750 gid %d", di.Mode(), dst.Gid, gid)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want the socket alone", len(ents))
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
		t.Errorf("read %q, %v through the renamed socket", buf, err)
	}
	c.Close()

	// A second server is refused while the first listens.
	if _, err := Listen(path, Options{Mode: 0o600, GID: -1}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Listen: %v, want in use", err)
	}
	l.Close()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there after Close: %v", err)
	}
}

// A stale socket file (its server killed) is replaced.
func TestReplacesStaleSocket(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "admin")
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	l, err := Listen(path, Options{Mode: 0o600, GID: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fi, st := stat(t, path); fi.Mode().Perm() != 0o600 || int(st.Gid) != os.Getgid() {
		t.Errorf("socket %v gid %d, want 0600 in the process's group", fi.Mode(), st.Gid)
	}
}
