package backup

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"chapar/store"
)

// Restore bounds: a batch of messages is one transaction.
const (
	restoreBatch      = 500
	restoreBatchBytes = 32 << 20
	maxEntry          = 1 << 30
)

// ErrNotEmpty means the user a backup holds has mailboxes already: a
// backup is restored into an empty store or over a deleted user.
var ErrNotEmpty = errors.New("the user has mailboxes: delete the user first (chapar user delete)")

// Read restores the backup r holds. It refuses (ErrNotEmpty) when the
// user's INBOX exists. The user record is brought back when the store has
// none of that name. A damaged file stops the restore with the entry it
// could not read; what came before it stays restored.
func Read(s *store.Store, r io.Reader, progress func(Summary)) (*Summary, error) {
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("restore: not a chapar backup: %w", err)
	}
	if hdr.Name != manifestName {
		return nil, fmt.Errorf("restore: not a chapar backup: first entry %q, want %s", hdr.Name, manifestName)
	}
	var m Manifest
	if err := readJSON(tr, &m); err != nil {
		return nil, fmt.Errorf("restore: %s: %w", manifestName, err)
	}
	if m.Format != Format || m.Version != Version {
		return nil, fmt.Errorf("restore: %s: format %q version %d, want %q version %d", manifestName, m.Format, m.Version, Format, Version)
	}
	user := store.NormalizeUser(m.User)
	if user == "" {
		return nil, fmt.Errorf("restore: %s names no user", manifestName)
	}
	inbox := store.UserInbox(user)
	if _, err := s.GetMailbox(inbox); err == nil {
		return nil, fmt.Errorf("restore %s: %w", user, ErrNotEmpty)
	}
	if m.Account != nil {
		if _, err := s.GetUser(user); errors.Is(err, store.ErrNoUser) {
			acct := *m.Account
			acct.Name = user
			if err := s.RestoreUser(acct); err != nil {
				return nil, fmt.Errorf("restore: %w", err)
			}
		}
	}
	rs := &restorer{s: s, user: user, inbox: inbox, sum: &Summary{User: user}, progress: progress}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rs.sum, fmt.Errorf("restore %s: %w", user, err)
		}
		if err := rs.entry(hdr, tr); err != nil {
			return rs.sum, fmt.Errorf("restore %s: %s: %w", user, hdr.Name, err)
		}
	}
	if err := rs.endMailbox(); err != nil {
		return rs.sum, fmt.Errorf("restore %s: %w", user, err)
	}
	if m.SieveActive != "" {
		if err := s.SetActiveSieveScript(user, m.SieveActive); err != nil {
			return rs.sum, fmt.Errorf("restore %s: %w", user, err)
		}
	}
	for _, name := range m.Subscriptions {
		if err := s.Subscribe(user, name); err != nil {
			return rs.sum, fmt.Errorf("restore %s: subscribe %s: %w", user, name, err)
		}
	}
	for _, q := range m.Quotas {
		if q.Root != inbox && !strings.HasPrefix(q.Root, inbox+".") {
			return rs.sum, fmt.Errorf("restore %s: quota root %s is not the user's", user, q.Root)
		}
		if err := s.SetQuota(q.Root, store.QuotaLimits{StorageKiB: q.StorageKiB, Messages: q.Messages}); err != nil {
			return rs.sum, fmt.Errorf("restore %s: %w", user, err)
		}
	}
	return rs.sum, nil
}

type restorer struct {
	s        *store.Store
	user     string
	inbox    string
	sum      *Summary
	progress func(Summary)

	cur        *MailboxEntry // the mailbox being restored
	batch      []store.RestoredMessage
	batchBytes int64
}

func (rs *restorer) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag != tar.TypeReg {
		return nil // directories and the like carry nothing
	}
	switch {
	case strings.HasPrefix(hdr.Name, "sieve/"):
		text, err := readEntry(r)
		if err != nil {
			return err
		}
		if err := rs.s.PutSieveScript(rs.user, strings.TrimPrefix(hdr.Name, "sieve/"), text); err != nil {
			return err
		}
		rs.sum.Scripts++
	case strings.HasPrefix(hdr.Name, "mailboxes/") && strings.HasSuffix(hdr.Name, "/mailbox.json"):
		if err := rs.endMailbox(); err != nil {
			return err
		}
		var e MailboxEntry
		if err := readJSON(r, &e); err != nil {
			return err
		}
		return rs.startMailbox(&e)
	case strings.HasPrefix(hdr.Name, "mailboxes/") && strings.HasSuffix(hdr.Name, ".eml"):
		if rs.cur == nil {
			return errors.New("a message before its mailbox.json")
		}
		msg, err := messageOf(hdr)
		if err != nil {
			return err
		}
		if msg.Body, err = readEntry(r); err != nil {
			return err
		}
		rs.batch = append(rs.batch, msg)
		rs.batchBytes += int64(len(msg.Body))
		if len(rs.batch) >= restoreBatch || rs.batchBytes >= restoreBatchBytes {
			return rs.flush(0, 0)
		}
	}
	return nil
}

func (rs *restorer) startMailbox(e *MailboxEntry) error {
	if e.Name != rs.inbox && !strings.HasPrefix(e.Name, rs.inbox+".") {
		return fmt.Errorf("mailbox %s is not the user's", e.Name)
	}
	mb := store.Mailbox{Name: e.Name, UniqueID: e.UniqueID, Partition: e.Partition, UIDValidity: e.UIDValidity,
		ACL: e.ACL, SpecialUse: e.SpecialUse, Created: e.Created}
	_, err := rs.s.RestoreMailbox(mb)
	if errors.Is(err, store.ErrNoPartition) {
		// This store has no partition of that name: the default.
		mb.Partition = ""
		_, err = rs.s.RestoreMailbox(mb)
	}
	if err != nil {
		return err
	}
	rs.cur = e
	return nil
}

// endMailbox writes the rest of the current mailbox's messages and its
// counters.
func (rs *restorer) endMailbox() error {
	if rs.cur == nil {
		return nil
	}
	if err := rs.flush(rs.cur.UIDNext, rs.cur.HighestModSeq); err != nil {
		return err
	}
	rs.sum.Mailboxes++
	rs.cur = nil
	if rs.progress != nil {
		rs.progress(*rs.sum)
	}
	return nil
}

func (rs *restorer) flush(uidNext uint32, highestModSeq uint64) error {
	if err := rs.s.RestoreMessages(rs.cur.Name, rs.batch, uidNext, highestModSeq); err != nil {
		return err
	}
	rs.sum.Messages += len(rs.batch)
	rs.sum.Bytes += rs.batchBytes
	full := len(rs.batch) >= restoreBatch
	rs.batch, rs.batchBytes = rs.batch[:0], 0
	if full && rs.progress != nil {
		rs.progress(*rs.sum)
	}
	return nil
}

// messageOf reads a message entry's PAX records.
func messageOf(hdr *tar.Header) (store.RestoredMessage, error) {
	var m store.RestoredMessage
	p := hdr.PAXRecords
	uid, err := strconv.ParseUint(p[paxUID], 10, 32)
	if err != nil || uid == 0 {
		return m, fmt.Errorf("%s %q: not a UID", paxUID, p[paxUID])
	}
	modseq, err := strconv.ParseUint(p[paxModSeq], 10, 64)
	if err != nil {
		return m, fmt.Errorf("%s %q: not a modseq", paxModSeq, p[paxModSeq])
	}
	m.UID, m.ModSeq = uint32(uid), modseq
	if m.InternalDate, err = time.Parse(time.RFC3339Nano, p[paxInternalDate]); err != nil {
		m.InternalDate = hdr.ModTime
	}
	if v := p[paxSavedDate]; v != "" {
		if m.SavedDate, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return m, fmt.Errorf("%s %q: %w", paxSavedDate, v, err)
		}
	}
	m.Flags = strings.Fields(p[paxFlags])
	m.MessageID = p[paxMessageID]
	return m, nil
}

func readEntry(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxEntry+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxEntry {
		return nil, fmt.Errorf("entry larger than %d bytes", maxEntry)
	}
	return data, nil
}

func readJSON(r io.Reader, v any) error {
	data, err := readEntry(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
