package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// HeaderReader reads the header blocks of many messages of one mailbox, as
// SEARCH and FETCH visit them in UID order. Messages delivered one after
// another lie side by side in their segment, so one read can take in the
// headers of the messages that follow: a system call for dozens of small
// messages instead of one each. The first header is read alone; how far it reads ahead adapts: a window
// that served one header alone (the wanted messages are sparse) halves the
// next; one that served several doubles it. It is not safe for concurrent
// use; each goroutine takes its own.
type HeaderReader struct {
	s      *Store
	mb     *Mailbox
	seg    uint32
	off    int64  // where buf starts in seg
	buf    []byte // the last window read; reused, so headers are copied out of it
	served int    // headers served from buf
	window int64
	calls  int
}

const (
	minHeaderWindow = 8 << 10
	maxHeaderWindow = 256 << 10
	// readAheadBelow: behind a message this big the next one is too far
	// away to be worth reading through.
	readAheadBelow = 64 << 10
)

// HeaderReader returns a reader of mb's message headers.
func (s *Store) HeaderReader(mb *Mailbox) *HeaderReader {
	return &HeaderReader{s: s, mb: mb, window: 32 << 10}
}

// Header returns m's header block, as ReadHeader does.
func (r *HeaderReader) Header(m *Message) ([]byte, error) {
	n := headerLen(m)
	m = r.s.current(r.mb, m)
	if len(r.buf) > 0 && m.Seg == r.seg && m.Off >= r.off && m.Off+n <= r.off+int64(len(r.buf)) {
		r.served++
		at := m.Off - r.off
		return bytes.Clone(r.buf[at : at+n]), nil
	}
	r.adapt()
	r.calls++
	// The first header is read alone: a command that wants one message
	// (FETCH n ENVELOPE) should not pay for a window.
	if r.calls == 1 || m.Size >= readAheadBelow || r.window <= n {
		r.buf = r.buf[:0] // nothing served from it; keep its room
		return r.s.ReadHeader(r.mb, m)
	}
	segs, ok := r.s.bodies[r.mb.Partition]
	if !ok {
		return nil, fmt.Errorf("read header: %w: %s", ErrNoPartition, r.mb.Partition)
	}
	f, err := segs.reader(m.Seg)
	if err != nil {
		// ReadHeader finds a body whose segment compaction removed.
		r.buf = r.buf[:0]
		return r.s.ReadHeader(r.mb, m)
	}
	buf := r.buf[:cap(r.buf)]
	if int64(len(buf)) < r.window {
		buf = make([]byte, r.window)
	}
	buf = buf[:r.window]
	got, err := f.ReadAt(buf, m.Off)
	r.buf = buf[:0] // overwritten: serves nothing until the read is known good
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read header of %s uid %d: %w", r.mb.Name, m.UID, err)
	}
	r.seg, r.off, r.buf, r.served = m.Seg, m.Off, buf[:got], 1
	return bytes.Clone(r.buf[:n]), nil
}

// adapt sizes the next window by how many headers the last one served.
func (r *HeaderReader) adapt() {
	if len(r.buf) == 0 {
		return
	}
	switch {
	case r.served <= 1:
		r.window = max(r.window/2, minHeaderWindow)
	case r.served >= 4:
		r.window = min(r.window*2, maxHeaderWindow)
	}
}

// headerLen is how much of m ReadHeader reads.
func headerLen(m *Message) int64 {
	if m.HeaderSize <= 0 || m.HeaderSize > m.Size {
		return m.Size
	}
	return m.HeaderSize
}
