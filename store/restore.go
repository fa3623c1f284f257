package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Restoring is how a backup comes back (chapar restore): a mailbox is
// created with the UIDVALIDITY, unique id, ACL and special use it had, and
// its messages are written under the UIDs, modseqs and dates they had, so
// that a client's cache stays valid across a backup and restore (RFC 9051
// §2.3.1.1: the same UIDVALIDITY promises the same UIDs). Nothing else
// writes a chosen UID; deliveries and APPEND take the next one.

// RestoreMailbox creates a mailbox as a backup describes it: mb's name,
// partition ("" = the default), UIDVALIDITY, ACL, special use and creation
// time. Its unique id is kept when no mailbox of this store holds it, so
// that OBJECTID's MAILBOXID stays the same; otherwise a new one is made.
// The store's UIDVALIDITY counter is raised to mb.UIDValidity, so that no
// later mailbox takes it. It fails with ErrMailboxExists when the name is
// taken.
func (s *Store) RestoreMailbox(mb Mailbox) (*Mailbox, error) {
	if err := ValidateName(mb.Name); err != nil {
		return nil, err
	}
	if mb.UIDValidity == 0 {
		return nil, fmt.Errorf("restore %s: UIDVALIDITY 0", mb.Name)
	}
	if mb.Partition == "" {
		mb.Partition = s.opts.DefaultPartition
	}
	if _, ok := s.bodies[mb.Partition]; !ok {
		return nil, fmt.Errorf("restore %s: %w: %s", mb.Name, ErrNoPartition, mb.Partition)
	}
	for id, rights := range mb.ACL {
		if _, err := normalizeIdentifier(id); err != nil {
			return nil, fmt.Errorf("restore %s: ACL: %w", mb.Name, err)
		}
		if _, err := ParseRights(rights); err != nil {
			return nil, fmt.Errorf("restore %s: ACL of %s: %w", mb.Name, id, err)
		}
	}
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	if _, err := s.GetMailbox(mb.Name); err == nil {
		return nil, fmt.Errorf("restore %s: %w", mb.Name, ErrMailboxExists)
	}
	owner := Owner(mb.Name)
	if owner != "" && mb.Name != UserInbox(owner) {
		if _, err := s.GetMailbox(UserInbox(owner)); err != nil {
			return nil, fmt.Errorf("restore %s: the owner's INBOX %s: %w", mb.Name, UserInbox(owner), ErrNoMailbox)
		}
	}
	out := &Mailbox{Name: mb.Name, UniqueID: mb.UniqueID, Partition: mb.Partition, Shard: s.shardFor(mb.Name),
		UIDValidity: mb.UIDValidity, ACL: mb.ACL, SpecialUse: mb.SpecialUse, Created: mb.Created}
	if out.ACL == nil {
		out.ACL = s.initialACL(mb.Name)
	}
	if out.Created.IsZero() {
		out.Created = time.Now().UTC()
	}
	if out.UniqueID == "" || s.uniqueIDTaken(out.UniqueID) {
		out.UniqueID = newUniqueID()
	}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyUIDValidity); v != nil && binary.BigEndian.Uint32(v) >= mb.UIDValidity {
			return nil
		}
		return meta.Put(keyUIDValidity, binary.BigEndian.AppendUint32(nil, mb.UIDValidity))
	})
	if err != nil {
		return nil, fmt.Errorf("restore %s: %w", mb.Name, err)
	}
	// As CreateMailbox: the index first, then the list entry.
	sh := s.shards[out.Shard]
	if err := sh.commit.do(func(tx *bolt.Tx) error {
		return createIndex(tx, out.UniqueID, out.UIDValidity)
	}); err != nil {
		return nil, fmt.Errorf("restore %s: index: %w", mb.Name, err)
	}
	err = s.meta.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketMboxList).Put([]byte(out.Name), v); err != nil {
			return err
		}
		return appendEvent(tx, &Event{Type: MailboxCreate, Mailbox: out.Name, MailboxID: out.UniqueID, UIDValidity: out.UIDValidity, UIDNext: 1})
	})
	s.mboxes.forgetAll()
	if err != nil {
		if derr := sh.commit.do(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIndexes).DeleteBucket([]byte(out.UniqueID))
		}); derr != nil {
			s.log.Warn("restore mailbox: orphan index left behind", "mailbox", out.Name, "err", derr)
		}
		return nil, fmt.Errorf("restore %s: %w", mb.Name, err)
	}
	s.outbox.notify()
	return out, nil
}

// uniqueIDTaken reports whether a listed mailbox or an index of any shard
// holds id (an orphan index counts: its bucket would collide).
func (s *Store) uniqueIDTaken(id string) bool {
	taken := false
	_ = s.meta.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMboxList).ForEach(func(_, v []byte) error {
			var mb Mailbox
			if json.Unmarshal(v, &mb) == nil && mb.UniqueID == id {
				taken = true
			}
			return nil
		})
	})
	for _, sh := range s.shards {
		_ = sh.db.View(func(tx *bolt.Tx) error {
			if mailboxBucket(tx, id) != nil {
				taken = true
			}
			return nil
		})
	}
	return taken
}

// RestoredMessage is a message as a backup keeps it.
type RestoredMessage struct {
	UID          uint32
	ModSeq       uint64
	InternalDate time.Time
	SavedDate    time.Time
	Flags        []string
	// MessageID is the Message-ID the index kept, as it kept it (APPEND
	// and LMTP set it; a record may have none even when the body does).
	MessageID string
	Body      []byte
}

// RestoreMessages writes messages into a mailbox under their own UIDs and
// modseqs, in one transaction (the bodies are written and synced first).
// Each UID must be above every UID the mailbox holds or held (its UIDNEXT),
// so the UIDs must come in ascending order across calls. The counters are
// then raised to at least uidNext and highestModSeq, which are the backed
// up mailbox's (0 leaves them as the messages make them). One
// MessageAppend event tells of the lot.
func (s *Store) RestoreMessages(mailbox string, msgs []RestoredMessage, uidNext uint32, highestModSeq uint64) error {
	mb, err := s.GetMailbox(mailbox)
	if err != nil {
		return fmt.Errorf("restore messages: %w", err)
	}
	sorted := sort.SliceIsSorted(msgs, func(i, j int) bool { return msgs[i].UID < msgs[j].UID })
	if !sorted {
		return fmt.Errorf("restore messages to %s: UIDs out of order", mb.Name)
	}
	recs := make([]Message, len(msgs))
	var last uint64
	for i := range msgs {
		rm := &msgs[i]
		if rm.UID == 0 || (i > 0 && rm.UID == msgs[i-1].UID) {
			return fmt.Errorf("restore messages to %s: bad or repeated UID %d", mb.Name, rm.UID)
		}
		date := rm.InternalDate
		if date.IsZero() {
			date = time.Now()
		}
		body, err := s.placeBody(mb.Partition, rm.Body, nil, frameMeta{Mailbox: mb.UniqueID, Date: date, Flags: normalizeFlags(rm.Flags)})
		if err != nil {
			return fmt.Errorf("restore messages to %s: %w", mb.Name, err)
		}
		defer s.releaseBody(body)
		last = body.seq
		recs[i] = Message{UID: rm.UID, ModSeq: rm.ModSeq, InternalDate: rm.InternalDate, SavedDate: rm.SavedDate,
			Size: int64(len(rm.Body)), Flags: normalizeFlags(rm.Flags), HeaderSize: headerSize(rm.Body),
			Body: body.hash, Seg: body.loc.Seg, Off: body.loc.Off, MessageID: rm.MessageID}
		recs[i].InternalDate = date
		if recs[i].SavedDate.IsZero() {
			recs[i].SavedDate = recs[i].InternalDate
		}
	}
	if len(msgs) > 0 {
		if err := s.syncBodies(mb.Partition, last); err != nil {
			return fmt.Errorf("restore messages to %s: %w", mb.Name, err)
		}
	}
	_, err = updateMailbox(s, mb, func(u *mailboxUpdate) (struct{}, error) {
		var none struct{}
		st := u.state
		uids := make([]uint32, 0, len(recs))
		var size int64
		for i := range recs {
			m := recs[i]
			if m.UID < st.UIDNext {
				return none, fmt.Errorf("UID %d is not above UIDNEXT %d", m.UID, st.UIDNext)
			}
			if m.ModSeq == 0 {
				m.ModSeq = st.HighestModSeq + 1
			}
			if m.ModSeq > st.HighestModSeq {
				st.HighestModSeq = m.ModSeq
			}
			st.UIDNext = m.UID + 1
			addToState(st, &m)
			u.dirty = true
			if err := putMessage(u.index, &m, 0); err != nil {
				return none, err
			}
			uids, size = append(uids, m.UID), size+m.Size
		}
		if uidNext > st.UIDNext {
			st.UIDNext, u.dirty = uidNext, true
		}
		if highestModSeq > st.HighestModSeq {
			st.HighestModSeq, u.dirty = highestModSeq, true
		}
		if len(uids) == 0 {
			return none, nil
		}
		ev := u.event(MessageAppend, "restore")
		ev.UIDs, ev.Size = uids, size
		return none, u.emit(&ev)
	})
	if err != nil {
		return fmt.Errorf("restore messages to %s: %w", mb.Name, err)
	}
	return nil
}

// RestoreUser writes a user record as a backup kept it: the password hash
// and SCRAM keys as they were, so that the user logs in with the same
// password. It creates no mailbox (RestoreMailbox brings the INBOX back)
// and fails with ErrUserExists when the name is taken.
func (s *Store) RestoreUser(u User) error {
	u.Name = NormalizeUser(u.Name)
	if err := validUserName(u.Name); err != nil {
		return err
	}
	if u.Created.IsZero() {
		u.Created = time.Now().UTC()
	}
	err := s.meta.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.Name)) != nil {
			return ErrUserExists
		}
		v, err := json.Marshal(&u)
		if err != nil {
			return err
		}
		return b.Put([]byte(u.Name), v)
	})
	if err != nil {
		return fmt.Errorf("restore user %s: %w", u.Name, err)
	}
	return nil
}
