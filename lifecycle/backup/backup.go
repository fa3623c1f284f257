// Package backup writes one user's mail to a file and brings it back
// (chapar backup USER FILE, chapar restore FILE): the user record, every
// mailbox of the user with its UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, ACL and
// special use, every message with its UID, modseq, flags, internal and
// saved dates and body, the subscriptions, the Sieve scripts and which is
// active, and the quota roots at or below the user's INBOX.
//
// # Format
//
// A backup is a POSIX tar file (PAX headers), readable with tar(1). Its
// entries, in this order:
//
//	chapar-backup.json          the manifest: {"format": "chapar-backup",
//	                            "version": 1, "user", "created", "account"
//	                            (the store's user record, password hash and
//	                            SCRAM keys included: keep the file private),
//	                            "subscriptions" (internal names), "quotas"
//	                            [{"root", "storage" KiB, "message"}, -1 none],
//	                            "sieve_active"}
//	sieve/NAME                  one per Sieve script, its text
//	mailboxes/NNNN/mailbox.json one per mailbox, parents first: {"name"
//	                            (internal), "uniqueid", "partition",
//	                            "uidvalidity", "uidnext", "highestmodseq",
//	                            "acl", "specialuse", "created", "exists"}
//	mailboxes/NNNN/UID.eml      the mailbox's messages in UID order, after
//	                            its mailbox.json: the body as stored, the
//	                            entry's mtime its internal date, and PAX
//	                            records CHAPAR.uid, CHAPAR.modseq,
//	                            CHAPAR.flags (space-separated),
//	                            CHAPAR.internaldate and CHAPAR.saveddate
//	                            (RFC 3339, nanoseconds), and CHAPAR.messageid
//	                            when the index keeps a Message-ID
//
// # Consistency
//
// Each mailbox is read in one read transaction of its index (a snapshot),
// so that its messages, UIDNEXT and HIGHESTMODSEQ belong to one moment,
// while deliveries and IMAP go on; the bodies are then read by the
// snapshot's references. A message expunged after the snapshot whose body
// is gone by the time it is read is left out and counted (Vanished); the
// server keeps running throughout.
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

// Format names and versions the manifest.
const (
	Format  = "chapar-backup"
	Version = 1

	manifestName = "chapar-backup.json"
)

// Manifest is the backup's first entry.
type Manifest struct {
	Format        string      `json:"format"`
	Version       int         `json:"version"`
	User          string      `json:"user"`
	Created       time.Time   `json:"created"`
	Account       *store.User `json:"account,omitempty"`
	Subscriptions []string    `json:"subscriptions"`
	Quotas        []Quota     `json:"quotas"`
	SieveActive   string      `json:"sieve_active,omitempty"`
}

// Quota is a quota root's limits.
type Quota struct {
	Root       string `json:"root"` // internal name
	StorageKiB int64  `json:"storage"`
	Messages   int64  `json:"message"`
}

// MailboxEntry is a mailbox.json.
type MailboxEntry struct {
	Name          string            `json:"name"`
	UniqueID      string            `json:"uniqueid"`
	Partition     string            `json:"partition"`
	UIDValidity   uint32            `json:"uidvalidity"`
	UIDNext       uint32            `json:"uidnext"`
	HighestModSeq uint64            `json:"highestmodseq"`
	ACL           map[string]string `json:"acl,omitempty"`
	SpecialUse    string            `json:"specialuse,omitempty"`
	Created       time.Time         `json:"created"`
	Exists        uint32            `json:"exists"`
}

// PAX record keys of a message entry.
const (
	paxUID          = "CHAPAR.uid"
	paxModSeq       = "CHAPAR.modseq"
	paxFlags        = "CHAPAR.flags"
	paxInternalDate = "CHAPAR.internaldate"
	paxSavedDate    = "CHAPAR.saveddate"
	paxMessageID    = "CHAPAR.messageid"
)

// Summary is what a backup or restore carried.
type Summary struct {
	User      string `json:"user"`
	Mailboxes int    `json:"mailboxes"`
	Messages  int    `json:"messages"`
	Bytes     int64  `json:"bytes"`
	Scripts   int    `json:"scripts"`
	// Vanished counts messages expunged, and their bodies reclaimed,
	// between a mailbox's snapshot and the reading of their bodies.
	Vanished int `json:"vanished,omitempty"`
}

// Write writes user's backup to w. The user must exist or have an INBOX.
func Write(s *store.Store, user string, w io.Writer, progress func(Summary)) (*Summary, error) {
	user = store.NormalizeUser(user)
	inbox := store.UserInbox(user)
	sum := &Summary{User: user}
	m := Manifest{Format: Format, Version: Version, User: user, Created: time.Now().UTC(),
		Subscriptions: []string{}, Quotas: []Quota{}}
	acct, err := s.GetUser(user)
	switch {
	case err == nil:
		m.Account = acct
	case !errors.Is(err, store.ErrNoUser):
		return nil, fmt.Errorf("backup %s: %w", user, err)
	}
	boxes, err := s.ListMailboxes(inbox)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", user, err)
	}
	if len(boxes) == 0 && m.Account == nil {
		return nil, fmt.Errorf("backup %s: %w", user, store.ErrNoUser)
	}
	if m.Subscriptions, err = s.Subscriptions(user); err != nil {
		return nil, fmt.Errorf("backup %s: subscriptions: %w", user, err)
	}
	if m.Subscriptions == nil {
		m.Subscriptions = []string{}
	}
	quotas, err := s.Quotas(inbox)
	if err != nil {
		return nil, fmt.Errorf("backup %s: quotas: %w", user, err)
	}
	for _, q := range quotas {
		if q.Root == inbox || strings.HasPrefix(q.Root, inbox+".") {
			m.Quotas = append(m.Quotas, Quota{Root: q.Root, StorageKiB: q.Limits.StorageKiB, Messages: q.Limits.Messages})
		}
	}
	scripts, err := s.ListSieveScripts(user)
	if err != nil {
		return nil, fmt.Errorf("backup %s: sieve: %w", user, err)
	}
	for _, sc := range scripts {
		if sc.Active {
			m.SieveActive = sc.Name
		}
	}
	tw := tar.NewWriter(w)
	if err := writeJSON(tw, manifestName, m.Created, &m); err != nil {
		return nil, err
	}
	for _, sc := range scripts {
		text, err := s.SieveScript(user, sc.Name)
		if err != nil {
			return nil, fmt.Errorf("backup %s: sieve %s: %w", user, sc.Name, err)
		}
		if err := writeFile(tw, &tar.Header{Name: "sieve/" + sc.Name, ModTime: m.Created}, text); err != nil {
			return nil, err
		}
		sum.Scripts++
	}
	for i := range boxes {
		if err := writeMailbox(s, tw, i+1, &boxes[i], sum, progress); err != nil {
			return nil, fmt.Errorf("backup %s: %w", user, err)
		}
		sum.Mailboxes++
		if progress != nil {
			progress(*sum)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("backup %s: %w", user, err)
	}
	return sum, nil
}

// progressEvery is how many messages pass between progress reports within
// a mailbox, so that a large one still shows it moves.
const progressEvery = 1000

func writeMailbox(s *store.Store, tw *tar.Writer, n int, mb *store.Mailbox, sum *Summary, progress func(Summary)) error {
	snap, err := s.Snapshot(mb)
	if err != nil {
		return err
	}
	dir := fmt.Sprintf("mailboxes/%04d/", n)
	e := MailboxEntry{Name: mb.Name, UniqueID: mb.UniqueID, Partition: mb.Partition, UIDValidity: snap.State.UIDValidity,
		UIDNext: snap.State.UIDNext, HighestModSeq: snap.State.HighestModSeq, ACL: mb.ACL, SpecialUse: mb.SpecialUse,
		Created: mb.Created, Exists: snap.State.Exists}
	if err := writeJSON(tw, dir+"mailbox.json", mb.Created, &e); err != nil {
		return err
	}
	for i := range snap.Messages {
		msg := &snap.Messages[i]
		body, err := s.ReadBody(mb, msg)
		if err != nil {
			// The body may have moved (compaction) since the snapshot:
			// read the record again.
			again, gerr := s.GetMessage(mb, msg.UID)
			if errors.Is(gerr, store.ErrNoMessage) {
				sum.Vanished++
				continue
			}
			if gerr != nil {
				return fmt.Errorf("%s uid %d: %w", mb.Name, msg.UID, err)
			}
			if body, err = s.ReadBody(mb, again); err != nil {
				return fmt.Errorf("%s uid %d: %w", mb.Name, msg.UID, err)
			}
		}
		hdr := &tar.Header{Name: dir + strconv.FormatUint(uint64(msg.UID), 10) + ".eml", ModTime: msg.InternalDate,
			PAXRecords: map[string]string{
				paxUID:          strconv.FormatUint(uint64(msg.UID), 10),
				paxModSeq:       strconv.FormatUint(msg.ModSeq, 10),
				paxFlags:        strings.Join(msg.Flags, " "),
				paxInternalDate: msg.InternalDate.UTC().Format(time.RFC3339Nano),
				paxSavedDate:    msg.SavedDate.UTC().Format(time.RFC3339Nano),
			}}
		if msg.MessageID != "" {
			hdr.PAXRecords[paxMessageID] = msg.MessageID
		}
		if err := writeFile(tw, hdr, body); err != nil {
			return err
		}
		sum.Messages++
		sum.Bytes += int64(len(body))
		if progress != nil && sum.Messages%progressEvery == 0 {
			progress(*sum)
		}
	}
	return nil
}

func writeJSON(tw *tar.Writer, name string, mtime time.Time, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(tw, &tar.Header{Name: name, ModTime: mtime}, append(data, '\n'))
}

func writeFile(tw *tar.Writer, hdr *tar.Header, data []byte) error {
	hdr.Typeflag, hdr.Mode, hdr.Size, hdr.Format = tar.TypeReg, 0o600, int64(len(data)), tar.FormatPAX
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write %s: %w", hdr.Name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", hdr.Name, err)
	}
	return nil
}
