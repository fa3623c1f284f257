package store

import (
	"errors"
	"fmt"
	"time"

	"chapar/message"
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
	out, err := s.deliver(d)
	if errors.Is(err, ErrBodyReclaimed) && d.Body != nil {
		// The shared body was expunged everywhere and compacted away
		// between two recipients: this one gets its own copy.
		d.Body = nil
		out, err = s.deliver(d)
	}
	return out, err
}

func (s *Store) deliver(d Delivery) (Delivered, error) {
	mb, err := s.GetMailbox(d.Mailbox)
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver: %w", err)
	}
	date, flags := d.Message.InternalDate, normalizeFlags(d.Message.Flags)
	if date.IsZero() {
		date = time.Now()
	}
	body, err := s.placeBody(mb.Partition, d.Message.Body, d.Body, frameMeta{Mailbox: mb.UniqueID, Date: date, Flags: flags})
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	defer s.releaseBody(body)
	if err := s.syncBodies(mb.Partition, body.seq); err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	evType := MessageAppend
	if d.Key != "" {
		evType = MessageNew
	}
	msg := Message{
		InternalDate: date,
		Size:         int64(len(d.Message.Body)),
		Flags:        flags,
		HeaderSize:   headerSize(d.Message.Body),
		Body:         body.hash,
		Seg:          body.loc.Seg,
		Off:          body.loc.Off,
		MessageID:    d.Message.MessageID,
	}
	out, err := updateMailbox(s, mb, func(u *mailboxUpdate) (Delivered, error) {
		out := Delivered{Mailbox: mb, UIDValidity: mb.UIDValidity}
		if uid, ok := appliedUID(u.tx, d.Key); ok {
			out.Replayed, out.UID = true, uid
			return out, nil
		}
		m := msg
		m.ModSeq = u.nextModSeq()
		m.SavedDate = time.Now()
		if err := u.add(&m); err != nil {
			return out, err
		}
		if err := recordApplied(u.tx, d.Key, m.UID); err != nil {
			return out, err
		}
		if d.DuplicateKey != "" {
			if err := putDuplicateMark(u.tx, d.DuplicateKey, d.DuplicateOwner); err != nil {
				return out, err
			}
		}
		out.UID, out.ModSeq = m.UID, m.ModSeq
		ev := u.event(evType, d.Service)
		ev.UIDs, ev.Size, ev.Flags = []uint32{m.UID}, m.Size, m.Flags
		if m.MessageID != "" {
			ev.MessageIDs = []string{m.MessageID}
		}
		return out, u.emit(&ev)
	})
	if err != nil {
		return Delivered{}, fmt.Errorf("deliver to %s: %w", mb.Name, err)
	}
	if !out.Replayed {
		out.Body = body
	}
	return out, nil
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
	mark := s.appendMark(mb.Partition)
	for i, nm := range msgs {
		recs[i] = Message{
			InternalDate: nm.InternalDate, Size: int64(len(nm.Body)), Flags: normalizeFlags(nm.Flags),
			HeaderSize: headerSize(nm.Body), MessageID: nm.MessageID,
		}
		if recs[i].InternalDate.IsZero() {
			recs[i].InternalDate = time.Now()
		}
		body, err := s.placeBody(mb.Partition, nm.Body, nil, frameMeta{Mailbox: mb.UniqueID, Date: recs[i].InternalDate, Flags: recs[i].Flags})
		if err != nil {
			// A full disk half-way through a batch (an import): the
			// bodies placed so far are named by nothing; give them back.
			s.takeBackBodies(mb.Partition, mark, i)
			return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
		}
		defer s.releaseBody(body)
		last = body.seq
		recs[i].Body, recs[i].Seg, recs[i].Off = body.hash, body.loc.Seg, body.loc.Off
	}
	if err := s.syncBodies(mb.Partition, last); err != nil {
		return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
	}
	out, err := updateMailbox(s, mb, func(u *mailboxUpdate) ([]Delivered, error) {
		added, err := u.insert(recs)
		if err != nil {
			return nil, err
		}
		out := make([]Delivered, len(added))
		for i, m := range added {
			out[i] = Delivered{Mailbox: mb, UID: m.UID, UIDValidity: mb.UIDValidity, ModSeq: m.ModSeq}
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", mb.Name, err)
	}
	return out, nil
}

// insert adds records to the mailbox under new UIDs and one new modseq,
// and emits one MessageAppend for them (APPEND, MULTIAPPEND, COPY, MOVE).
// It returns the records as written.
func (u *mailboxUpdate) insert(recs []Message) ([]Message, error) {
	modseq := u.nextModSeq()
	now := time.Now()
	added := make([]Message, len(recs))
	uids := make([]uint32, len(recs))
	var size int64
	for i := range recs {
		m := recs[i]
		m.ModSeq, m.SavedDate = modseq, now
		if err := u.add(&m); err != nil {
			return nil, err
		}
		added[i], uids[i], size = m, m.UID, size+m.Size
	}
	ev := u.event(MessageAppend, "imapd")
	ev.UIDs, ev.Size = uids, size
	return added, u.emit(&ev)
}
