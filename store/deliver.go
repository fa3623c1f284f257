package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"chapar/message"

	bolt "go.etcd.io/bbolt"
)

// NewMessage is a message about to enter a mailbox.
type NewMessage struct {
	Body         []byte
	InternalDate time.Time
	Flags        []string
	MessageID    string
}

// Delivery puts one message into one mailbox.
type Delivery struct {
	// Key makes the delivery idempotent: a second delivery with the same
	// key returns the first one's result and writes nothing. Empty for
	// APPEND, which a client repeats on purpose.
	Key     string
	Mailbox string // internal name
	Message NewMessage
	// Service names who asked, for the event ("lmtpd", "imapd").
	Service string
	// Body, when set, is where an earlier delivery of this same message
	// put its body (Delivered.Body); on the same partition it is shared.
	Body *PlacedBody
	// DuplicateKey, when set, records the delivery for duplicate
	// suppression under that key, in the delivery's own transaction, with
	// DuplicateOwner (the job id) as who made the mark (see DuplicateMark).
	DuplicateKey   string
	DuplicateOwner string
}

// Delivered says where a message went.
type Delivered struct {
	Mailbox     *Mailbox
	UID         uint32
	UIDValidity uint32
	ModSeq      uint64
	// Replayed is true when Key had been applied already.
	Replayed bool
	// Body is where the body lies, for the message's next recipient.
	Body *PlacedBody
}

// Deliver writes a message into a mailbox: the body (once per partition),
// then the index entry, the counters, the idempotency record and the event
// in one group-committed transaction.
func (s *Store) Deliver(d Delivery) (Delivered, error) {
	mb, err := s.GetMailbox(d.Mailbox)
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver: %w", err)
	}
	body, err := s.placeBody(mb.Partition, d.Message.Body, d.Body)
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	if err := s.syncBodies(mb.Partition, body.seq); err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	evType := MessageAppend
	if d.Key != "" {
		evType = MessageNew
	}
	out := Delivered{Mailbox: mb, UIDValidity: mb.UIDValidity}
	msg := Message{
		InternalDate: d.Message.InternalDate,
		Size:         int64(len(d.Message.Body)),
		Flags:        normalizeFlags(d.Message.Flags),
		HeaderSize:   headerSize(d.Message.Body),
		Body:         body.hash,
		Seg:          body.loc.Seg,
		Off:          body.loc.Off,
		MessageID:    d.Message.MessageID,
	}
	if msg.InternalDate.IsZero() {
		msg.InternalDate = time.Now()
	}
	err = s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		out.Replayed, out.UID = false, 0
		if d.Key != "" {
			if v := tx.Bucket(bucketApplied).Get([]byte(d.Key)); v != nil {
				out.Replayed = true
				out.UID = binary.BigEndian.Uint32(v[8:12])
				return nil
			}
		}
		b := mailboxBucket(tx, mb.UniqueID)
		if b == nil {
			return ErrNoMailbox
		}
		st, err := readState(b)
		if err != nil {
			return err
		}
		m := msg
		m.UID = st.UIDNext
		st.HighestModSeq++
		m.ModSeq = st.HighestModSeq
		m.SavedDate = time.Now()
		addToState(st, &m)
		st.UIDNext++
		if err := putMessage(b, &m, 0); err != nil {
			return err
		}
		if err := writeState(b, st); err != nil {
			return err
		}
		if d.Key != "" {
			v := binary.BigEndian.AppendUint64(nil, uint64(time.Now().Unix()))
			v = binary.BigEndian.AppendUint32(v, m.UID)
			if err := tx.Bucket(bucketApplied).Put([]byte(d.Key), v); err != nil {
				return err
			}
		}
		if d.DuplicateKey != "" {
			if err := putDuplicateMark(tx, d.DuplicateKey, d.DuplicateOwner); err != nil {
				return err
			}
		}
		out.UID, out.ModSeq = m.UID, m.ModSeq
		ev := &Event{Type: evType, Service: d.Service, Mailbox: mb.Name, MailboxID: mb.UniqueID,
			UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, ModSeq: m.ModSeq, Messages: st.Exists,
			Unseen: st.Unseen, UIDs: []uint32{m.UID}, Size: m.Size, Flags: m.Flags}
		if m.MessageID != "" {
			ev.MessageIDs = []string{m.MessageID}
		}
		return appendEvent(tx, ev)
	})
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	if !out.Replayed {
		out.Body = body
		s.outbox.notify()
	}
	return out, nil
}

func addToState(st *MailboxState, m *Message) {
	st.Exists++
	st.Size += m.Size
	if !hasFlag(m.Flags, FlagSeen) {
		st.Unseen++
	}
	if hasFlag(m.Flags, FlagDeleted) {
		st.Deleted++
	}
}

func removeFromState(st *MailboxState, m *Message) {
	st.Exists--
	st.Size -= m.Size
	if !hasFlag(m.Flags, FlagSeen) {
		st.Unseen--
	}
	if hasFlag(m.Flags, FlagDeleted) {
		st.Deleted--
	}
}

// PruneApplied forgets idempotency records older than age. A job can only be
// replayed while the pipeline still holds it, so age must exceed how long a
// job may wait unacknowledged.
func (s *Store) PruneApplied(age time.Duration) (int, error) {
	return s.pruneByTime(bucketApplied, age)
}

// Append adds a message to a mailbox on a client's behalf (IMAP APPEND).
func (s *Store) Append(mailbox string, m NewMessage) (Delivered, error) {
	return s.Deliver(Delivery{Mailbox: mailbox, Message: m, Service: "imapd"})
}

// headerSize is the length of the header block, its empty line included
// (RFC 5322 §2.1): what ReadHeader reads, and exactly the block IMAP's
// parser takes for the header.
func headerSize(msg []byte) int64 {
	return int64(message.HeaderSize(msg))
}

// AppendAll adds several messages to one mailbox in one transaction, so that
// MULTIAPPEND (RFC 3502) is all or nothing. The results are in order.
func (s *Store) AppendAll(mailbox string, msgs []NewMessage) ([]Delivered, error) {
	mb, err := s.GetMailbox(mailbox)
	if err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	recs := make([]Message, len(msgs))
	var last uint64
	for i, nm := range msgs {
		body, err := s.placeBody(mb.Partition, nm.Body, nil)
		if err != nil {
			return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
		}
		last = body.seq
		recs[i] = Message{
			InternalDate: nm.InternalDate, Size: int64(len(nm.Body)), Flags: normalizeFlags(nm.Flags),
			HeaderSize: headerSize(nm.Body), Body: body.hash, Seg: body.loc.Seg, Off: body.loc.Off, MessageID: nm.MessageID,
		}
		if recs[i].InternalDate.IsZero() {
			recs[i].InternalDate = time.Now()
		}
	}
	if err := s.syncBodies(mb.Partition, last); err != nil {
		return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
	}
	out := make([]Delivered, len(msgs))
	err = s.shards[mb.Shard].commit.do(func(tx *bolt.Tx) error {
		added, err := insertMessages(tx, mb, recs)
		for i, m := range added {
			out[i] = Delivered{Mailbox: mb, UID: m.UID, UIDValidity: mb.UIDValidity, ModSeq: m.ModSeq}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
	}
	s.outbox.notify()
	return out, nil
}

// insertMessages adds records to a mailbox under new UIDs and one new
// modseq, and emits one MessageAppend for them (APPEND, MULTIAPPEND, COPY,
// MOVE). It returns the records as written.
func insertMessages(tx *bolt.Tx, mb *Mailbox, recs []Message) ([]Message, error) {
	b := mailboxBucket(tx, mb.UniqueID)
	if b == nil {
		return nil, ErrNoMailbox
	}
	st, err := readState(b)
	if err != nil {
		return nil, err
	}
	st.HighestModSeq++
	now := time.Now()
	added := make([]Message, len(recs))
	uids := make([]uint32, len(recs))
	var size int64
	for i := range recs {
		m := recs[i]
		m.UID, m.ModSeq, m.SavedDate = st.UIDNext, st.HighestModSeq, now
		st.UIDNext++
		addToState(st, &m)
		if err := putMessage(b, &m, 0); err != nil {
			return nil, err
		}
		added[i], uids[i], size = m, m.UID, size+m.Size
	}
	if err := writeState(b, st); err != nil {
		return nil, err
	}
	return added, appendEvent(tx, &Event{Type: MessageAppend, Service: "imapd", Mailbox: mb.Name, MailboxID: mb.UniqueID,
		UIDValidity: st.UIDValidity, UIDNext: st.UIDNext, ModSeq: st.HighestModSeq, Messages: st.Exists,
		Unseen: st.Unseen, UIDs: uids, Size: size})
}
