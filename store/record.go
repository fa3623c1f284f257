package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Message is one entry of a mailbox index: what IMAP needs without reading
// the body.
type Message struct {
	UID          uint32
	ModSeq       uint64
	InternalDate time.Time
	Size         int64
	Flags        []string
	// Body is the content address (SHA-256, hex) of the message; Seg and
	// Off locate it in the segments of the mailbox's partition.
	Body string
	Seg  uint32
	Off  int64
	// HeaderSize is the length of the header block including the blank
	// line that ends it, so that header fetches read only that much.
	HeaderSize int64
	MessageID  string
	// SavedDate is when the message entered this mailbox (RFC 8514).
	SavedDate time.Time
}

// MailboxState is the per-mailbox counters kept with the index, so that a
// delivery updates them in the same transaction as the message.
type MailboxState struct {
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Exists        uint32
	Size          int64 // sum of message sizes, for quota and STATUS SIZE
	Unseen        uint32
	Deleted       uint32 // messages flagged \Deleted
}

const recordVersion = 1

var errCorrupt = errors.New("corrupt index record")

// The message record is a small binary encoding: the index is read on every
// SELECT and FETCH of flags, so it must be cheap to decode.
func encodeMessage(m *Message) []byte {
	n := 1 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 8 + 2 + len(m.Body) + 2 + len(m.MessageID) + 2
	for _, f := range m.Flags {
		n += 2 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint32(b, m.UID)
	b = binary.BigEndian.AppendUint64(b, m.ModSeq)
	b = binary.BigEndian.AppendUint64(b, uint64(m.InternalDate.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(m.SavedDate.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(m.Size))
	b = binary.BigEndian.AppendUint32(b, m.Seg)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Off))
	b = binary.BigEndian.AppendUint64(b, uint64(m.HeaderSize))
	b = appendString(b, m.Body)
	b = appendString(b, m.MessageID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Flags)))
	for _, f := range m.Flags {
		b = appendString(b, f)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func decodeMessage(b []byte) (*Message, error) {
	m := &Message{}
	if err := decodeMessageInto(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeMessageInto decodes a record into m, for readers of whole indexes
// that keep records in a slice: one allocation fewer per message, and the
// system flags shared rather than copied (SELECT of 100,000 messages
// otherwise leaves megabytes for the collector to chase while the next
// command runs).
func decodeMessageInto(b []byte, m *Message) error {
	d := decoder{b: b}
	if v := d.byte(); v != recordVersion {
		return fmt.Errorf("%w: version %d", errCorrupt, v)
	}
	*m = Message{}
	m.UID = d.u32()
	m.ModSeq = d.u64()
	m.InternalDate = time.Unix(0, int64(d.u64()))
	m.SavedDate = time.Unix(0, int64(d.u64()))
	m.Size = int64(d.u64())
	m.Seg = d.u32()
	m.Off = int64(d.u64())
	m.HeaderSize = int64(d.u64())
	m.Body = d.str()
	m.MessageID = d.str()
	nf := int(d.u16())
	if nf > 0 {
		m.Flags = make([]string, 0, nf)
		for i := 0; i < nf; i++ {
			m.Flags = append(m.Flags, d.flag())
		}
	}
	if d.err {
		return errCorrupt
	}
	return nil
}

// decodeFlagState decodes the UID, modseq and flags of a record, skipping
// the fields between them (see encodeMessage for the layout).
func decodeFlagState(b []byte, f *FlagState) error {
	d := decoder{b: b}
	if v := d.byte(); v != recordVersion {
		return fmt.Errorf("%w: version %d", errCorrupt, v)
	}
	f.UID = d.u32()
	f.ModSeq = d.u64()
	d.take(8 + 8 + 8 + 4 + 8 + 8) // dates, size, segment, offset, header size
	d.take(int(d.u16()))          // body reference
	d.take(int(d.u16()))          // Message-ID
	nf := int(d.u16())
	f.Flags = nil
	if nf > 0 {
		f.Flags = make([]string, 0, nf)
		for i := 0; i < nf; i++ {
			f.Flags = append(f.Flags, d.flag())
		}
	}
	if d.err {
		return errCorrupt
	}
	return nil
}

func encodeState(st *MailboxState) []byte {
	b := make([]byte, 0, 1+4+4+8+4+8+4+4)
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint32(b, st.UIDValidity)
	b = binary.BigEndian.AppendUint32(b, st.UIDNext)
	b = binary.BigEndian.AppendUint64(b, st.HighestModSeq)
	b = binary.BigEndian.AppendUint32(b, st.Exists)
	b = binary.BigEndian.AppendUint64(b, uint64(st.Size))
	b = binary.BigEndian.AppendUint32(b, st.Unseen)
	b = binary.BigEndian.AppendUint32(b, st.Deleted)
	return b
}

func decodeState(b []byte) (*MailboxState, error) {
	d := decoder{b: b}
	if v := d.byte(); v != recordVersion {
		return nil, fmt.Errorf("%w: state version %d", errCorrupt, v)
	}
	st := &MailboxState{
		UIDValidity:   d.u32(),
		UIDNext:       d.u32(),
		HighestModSeq: d.u64(),
		Exists:        d.u32(),
		Size:          int64(d.u64()),
		Unseen:        d.u32(),
		Deleted:       d.u32(),
	}
	if d.err {
		return nil, errCorrupt
	}
	return st, nil
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) take(n int) []byte {
	if d.err || len(d.b) < n {
		d.err = true
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte  { return d.take(1)[0] }
func (d *decoder) u16() uint16 { return binary.BigEndian.Uint16(d.take(2)) }
func (d *decoder) u32() uint32 { return binary.BigEndian.Uint32(d.take(4)) }
func (d *decoder) u64() uint64 { return binary.BigEndian.Uint64(d.take(8)) }
func (d *decoder) str() string { return string(d.take(int(d.u16()))) }

// flag is str for a flag: the system flags, which most messages carry, come
// back as the package's constants instead of new strings.
func (d *decoder) flag() string {
	b := d.take(int(d.u16()))
	switch string(b) {
	case FlagSeen:
		return FlagSeen
	case FlagAnswered:
		return FlagAnswered
	case FlagFlagged:
		return FlagFlagged
	case FlagDeleted:
		return FlagDeleted
	case FlagDraft:
		return FlagDraft
	}
	return string(b)
}

func uidKey(uid uint32) []byte { return binary.BigEndian.AppendUint32(nil, uid) }
