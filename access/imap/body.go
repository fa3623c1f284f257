package imap

import (
	"io"

	"chapar/store"
)

// The two places the engine reads message bodies. They are the only code
// that knows how the store hands bodies out, so a change there is a change
// here alone.

// readBody reads a whole message.
func (s *session) readBody(mb *store.Mailbox, m *store.Message) ([]byte, error) {
	return s.store().ReadBody(mb, m)
}

// openBody streams a message (FETCH BODY[] of a big message).
func (s *session) openBody(mb *store.Mailbox, m *store.Message) (io.ReadCloser, error) {
	r, err := s.store().OpenBody(mb, m)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(r), nil
}
