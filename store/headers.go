package store

import (
	"errors"
	"fmt"
	"io"
)

// HeaderReader reads the header blocks of many messages of one mailbox, as
// SEARCH and FETCH visit them in UID order. Messages delivered one after
// another lie side by side in their segment, so one read can take in the
// headers of the messages that follow: a system call for dozens of small
// messages instead of one each. How far it reads ahead adapts: a window
// that served one header alone (the wanted messages are sparse) halves the
// next; one that served several doubles it. It is not safe for concurrent
// use; each goroutine takes its own.
type HeaderReader struct {
	s      *Store
	mb     *Mailbox
	seg    uint32
	off    int64  // where buf starts in seg
	buf    []byte // a fresh slice per read: headers handed out stay valid
	served int    // headers served from buf
	window int64
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
	if r.buf != nil && m.Seg == r.seg && m.Off >= r.off && m.Off+n <= r.off+int64(len(r.buf)) {
		r.served++
		at := m.Off - r.off
		return r.buf[at : at+n : at+n], nil
	}
	r.adapt()
	if m.Size >= readAheadBelow || r.window <= n {
		r.buf = nil
		return r.s.ReadHeader(r.mb, m)
	}
	segs, ok := r.s.bodies[r.mb.Partition]
	if !ok {
		return nil, fmt.Errorf("read header: %w: %s", ErrNoPartition, r.mb.Partition)
	}
	f, err := segs.reader(m.Seg)
	if err != nil {
		return nil, fmt.Errorf("read header of %s uid %d: %w", r.mb.Name, m.UID, err)
	}
	buf := make([]byte, r.window)
	got, err := f.ReadAt(buf, m.Off)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read header of %s uid %d: %w", r.mb.Name, m.UID, err)
	}
	r.seg, r.off, r.buf, r.served = m.Seg, m.Off, buf[:got], 1
	return r.buf[:n:n], nil
}

// adapt sizes the next window by how many headers the last one served.
func (r *HeaderReader) adapt() {
	if r.buf == nil {
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
