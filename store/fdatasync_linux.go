package store

import (
	"os"
	"syscall"
)

// fdatasync flushes a file's data, and its metadata only where reading the
// data needs it (a changed size): segments are reserved ahead, so for them
// it is a data flush alone.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
