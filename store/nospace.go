package store

import (
	"errors"
	"fmt"
	"syscall"
)

// NoSpace reports whether err is a write that failed because the file
// system is full (ENOSPC) or the user's disk quota is spent (EDQUOT). Such
// failures pass once space is freed: callers answer them as a temporary
// condition (IMAP [OVERQUOTA], LMTP 452 4.3.1), not as a server bug.
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// BulkHeadroom is the free space bulk writers (compaction, chapar import)
// leave on a partition: one segment reserve chunk, so that they never take
// the last bytes live deliveries need, and the reserve of the current
// segment can still be extended.
const BulkHeadroom = reserveChunk

// Room reports how many bytes of bodies a bulk writer may still put on
// partition: the file system's free space less BulkHeadroom (it may be
// negative). It is -1 where the free space cannot be learnt; such a
// writer then learns of a full disk from a failed write.
func (s *Store) Room(partition string) (int64, error) {
	segs, ok := s.bodies[partition]
	if !ok {
		return 0, fmt.Errorf("room: %w: %s", ErrNoPartition, partition)
	}
	free, err := freeSpace(segs.dir)
	if err != nil || free < 0 {
		return -1, err
	}
	return free - BulkHeadroom, nil
}

// takeBackBodies gives back the bodies a writer appended to partition
// since mark (n of them) and will not commit, when no one appended after
// them (see segments.rewind); otherwise they stay as dead bytes for
// compaction. It is for a batch whose later body could not be written,
// typically on a full disk, so that the failed batch does not keep the
// space it took.
func (s *Store) takeBackBodies(partition string, mark appendMark, n int) {
	segs, ok := s.bodies[partition]
	if !ok || n == 0 {
		return
	}
	if _, err := segs.rewind(mark, uint64(n)); err != nil {
		s.log.Warn("giving back the bodies of a failed batch", "partition", partition, "err", err)
	}
}

// appendMark notes where the next body on partition goes, for
// takeBackBodies.
func (s *Store) appendMark(partition string) appendMark {
	if segs, ok := s.bodies[partition]; ok {
		return segs.mark()
	}
	return appendMark{}
}
