package imap

import (
	"fmt"
	"io"

	"chapar/store"
)

// The places the engine reads message data, and whole indexes. They are
// the only code that knows how the store hands bodies out, so a change
// there is a change here alone; and they tell a test's read hook what
// they read, so that a test can check which items cost a whole message.

// readKind is what one read brought in.
type readKind uint8

const (
	readHeader readKind = iota // a message's header block (Store.ReadHeader)
	readWhole                  // a whole message, read or streamed
	readIndex                  // a whole mailbox index (Store.Snapshot, SELECT)
)

// noteRead tells the test hook, if any, of a read.
func (s *session) noteRead(k readKind) {
	if f := s.srv.readHook.Load(); f != nil {
		(*f)(k)
	}
}

// readHeader reads only a message's header block, through the blank line
// that ends it: what ENVELOPE, BODY[HEADER...] and header searches need.
// Through hr, when a command visits many messages, one read takes in the
// headers of the messages stored after m.
func (s *session) readHeader(mb *store.Mailbox, m *store.Message, hr *store.HeaderReader) ([]byte, error) {
	s.noteRead(readHeader)
	if hr != nil {
		return hr.Header(m)
	}
	return s.store().ReadHeader(mb, m)
}

// readBody reads a whole message.
func (s *session) readBody(mb *store.Mailbox, m *store.Message) ([]byte, error) {
	s.noteRead(readWhole)
	return s.store().ReadBody(mb, m)
}

// openBody streams a message (FETCH BODY[] of a big message).
func (s *session) openBody(mb *store.Mailbox, m *store.Message) (io.ReadCloser, error) {
	s.noteRead(readWhole)
	r, err := s.store().OpenBody(mb, m)
	if err != nil {
		return nil, err
	}
	// A streamed literal's length is promised before its bytes: a body
	// cut short on disk (a truncated or lost segment) is found first, by
	// its last byte, so that FETCH answers NO instead of ending the
	// connection half-way through the literal.
	if n := r.Size(); n > 0 {
		var last [1]byte
		if _, err := r.ReadAt(last[:], n-1); err != nil {
			return nil, fmt.Errorf("%s uid %d: body cut short: %w", mb.Name, m.UID, err)
		}
	}
	return io.NopCloser(r), nil
}

// flagStates reads a mailbox's whole index, for SELECT and EXAMINE only:
// a selected session follows changes with Store.ChangesSince.
func (s *session) flagStates(mb *store.Mailbox) (store.MailboxState, []store.FlagState, error) {
	s.noteRead(readIndex)
	return s.store().FlagStates(mb)
}
