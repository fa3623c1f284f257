//go:build !linux

package store

import "os"

// fdatasync is fsync where the system has no separate data-only flush.
func fdatasync(f *os.File) error { return f.Sync() }
