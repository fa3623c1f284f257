package pipeline

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestNoSpaceTellsAFullDiskFromOtherFailures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("deliver: %w", &os.PathError{Op: "write", Path: "seg", Err: syscall.ENOSPC}), true},
		{fmt.Errorf("commit: %w", syscall.EDQUOT), true},
		{fmt.Errorf("queue job: %w", ErrNoSpace), true},
		{fmt.Errorf("deliver: %w", &os.PathError{Op: "write", Path: "seg", Err: syscall.EIO}), false},
		{errors.New("no space left on device"), false}, // only a real errno counts, not its wording
		{nil, false},
	} {
		if got := NoSpace(c.err); got != c.want {
			t.Errorf("NoSpace(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
