package testkit

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"
)

// FailingListener is a real listener whose first Failures calls to Accept
// fail the way accept(2) does when the process is out of file descriptors
// (an *net.OpError around EMFILE, unless Err is set) before any connection
// is taken; later calls accept for real. It drives an accept loop through
// descriptor exhaustion without exhausting the test process.
type FailingListener struct {
	net.Listener
	Failures int64
	Err      error // nil = EMFILE

	calls atomic.Int64
}

// Accept fails while calls are within Failures, then accepts.
func (l *FailingListener) Accept() (net.Conn, error) {
	if n := l.calls.Add(1); n <= l.Failures {
		err := l.Err
		if err == nil {
			err = syscall.EMFILE
		}
		return nil, &net.OpError{Op: "accept", Net: l.Addr().Network(), Addr: l.Addr(), Err: os.NewSyscallError("accept4", err)}
	}
	return l.Listener.Accept()
}

// Calls is how many times Accept was called.
func (l *FailingListener) Calls() int64 { return l.calls.Load() }
