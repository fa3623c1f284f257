package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// highWaterFile, in a partition's bodies directory, holds the number of
// the newest segment ever created there. Segment numbers have gaps
// (compaction removes files) and the newest file is the current segment,
// so without it a current segment whose file was lost would be created
// again, empty, under its old number, and new bodies would land at the
// offsets records of the lost one still name.
const highWaterFile = "segments.last"

// readHighWater returns the recorded number, 0 when there is none (a
// store from before the file, or a new one).
func (s *segments) readHighWater() uint32 {
	b, err := os.ReadFile(filepath.Join(s.dir, highWaterFile))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// writeHighWater records id as the newest segment, atomically (a new file
// renamed over the old); the caller syncs the directory.
func (s *segments) writeHighWater(id uint32) error {
	tmp := filepath.Join(s.dir, highWaterFile+".new")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, fileMode)
	if err != nil {
		return fmt.Errorf("segment high-water mark: %w", err)
	}
	_, err = fmt.Fprintf(f, "%d\n", id)
	if err == nil && !s.noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, highWaterFile))
	}
	if err != nil {
		return fmt.Errorf("segment high-water mark: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
