package store

import (
	"fmt"
	"syscall"
)

// freeSpace reports the bytes an unprivileged writer may still take on
// the file system holding dir (statfs's f_bavail), so that compaction
// can tell before it copies whether the copies fit.
func freeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * st.Bsize, nil
}
