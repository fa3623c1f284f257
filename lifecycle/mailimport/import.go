// Package mailimport brings mail from other systems into the store
// (chapar import): an mbox file, a Maildir (with its Maildir++
// subfolders) or a Cyrus mailbox directory (with its children) into a
// user's mailboxes, keeping each message's internal
// date and flags (lifecycle/mailfile reads them).
//
// An import is resumable without any state of its own: before it writes
// into a mailbox it counts the bodies the mailbox already holds by content
// address (store.BodyRef, the SHA-256 the index keeps of every message),
// and passes over a message whose body is there already as often as the
// source holds it. A rerun after a crash, a full disk or ^C therefore
// skips what the first run committed and imports the rest, and a message
// is never imported twice, since the marks are the index records
// themselves, committed with the messages.
//
// Messages are written in batches through store.AppendAll, one
// transaction and one fsync per batch, as MULTIAPPEND writes them; the
// admin imports as Cyrus's tools do, outside quotas and ACLs.
package mailimport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"chapar/lifecycle/mailfile"
	"chapar/message"
	"chapar/store"
)

// Formats chapar import reads.
const (
	FormatMbox    = "mbox"
	FormatMaildir = "maildir"
	FormatCyrus   = "cyrus"
)

// Batch bounds: a batch is one transaction.
const (
	batchMessages = 500
	batchBytes    = 32 << 20
)

// Options say what to import where.
type Options struct {
	Format string // FormatMbox or FormatMaildir
	// Mailbox is the internal name of the mailbox the messages go to
	// (created when missing); a Maildir's Maildir++ subfolders go below
	// it ("Sent" to Mailbox+".Sent").
	Mailbox string
	Path    string
	// MaxMessageSize skips larger messages (maxmessagesize); 0 = none.
	MaxMessageSize int64
	// Progress, when set, hears after every batch and at the end of
	// each mailbox.
	Progress func(Progress)
}

// Progress is how far an import has come.
type Progress struct {
	Mailbox      string `json:"mailbox"` // internal name
	Read         int    `json:"read"`    // messages read from the source so far, all mailboxes
	Imported     int    `json:"imported"`
	AlreadyThere int    `json:"already_there"`
	Skipped      int    `json:"skipped"`
	Bytes        int64  `json:"bytes"` // imported
}

// Skip is source input that was not imported.
type Skip struct {
	Mailbox string `json:"mailbox"` // the target, internal name
	mailfile.Skip
}

// Report is what an import did.
type Report struct {
	Mailboxes    []string      `json:"mailboxes"` // written to or checked, internal names
	Created      []string      `json:"created"`   // of which created
	Imported     int           `json:"imported"`
	AlreadyThere int           `json:"already_there"` // found imported by an earlier run
	Skipped      []Skip        `json:"skipped"`
	Bytes        int64         `json:"bytes"`
	Elapsed      time.Duration `json:"elapsed_ns"`
}

// MessagesPerSecond is the import's rate over the messages it wrote.
func (r *Report) MessagesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Imported) / r.Elapsed.Seconds()
}

// Import runs an import. Unreadable or malformed input is listed in the
// report's Skipped and does not stop it; a store error does, leaving
// every batch before it committed (a rerun continues from there).
func Import(s *store.Store, opts Options) (*Report, error) {
	start := time.Now()
	r := &Report{Mailboxes: []string{}, Created: []string{}, Skipped: []Skip{}}
	im := &importer{s: s, opts: opts, report: r}
	var err error
	switch opts.Format {
	case FormatMbox:
		err = im.mbox()
	case FormatMaildir:
		err = im.maildir()
	case FormatCyrus:
		err = im.cyrus(opts.Path, opts.Mailbox)
	default:
		err = fmt.Errorf("import: unknown format %q (mbox, maildir or cyrus)", opts.Format)
	}
	r.Elapsed = time.Since(start)
	return r, err
}

type importer struct {
	s      *store.Store
	opts   Options
	report *Report
	read   int
}

func (im *importer) mbox() error {
	f, err := os.Open(im.opts.Path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("import: %s is a directory, not an mbox file", im.opts.Path)
	}
	return im.into(im.opts.Mailbox, func(yield func(*mailfile.Message) error, skip func(mailfile.Skip)) error {
		return mailfile.ReadMbox(f, im.opts.MaxMessageSize, yield, skip)
	})
}

func (im *importer) maildir() error {
	folders, err := mailfile.Folders(im.opts.Path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, fo := range folders {
		target := im.opts.Mailbox
		if fo.Name != "" {
			target += "." + fo.Name
		}
		if err := store.ValidateName(target); err != nil {
			im.report.Skipped = append(im.report.Skipped, Skip{Mailbox: im.opts.Mailbox,
				Skip: mailfile.Skip{Where: fo.Path, Reason: "folder name: " + err.Error()}})
			continue
		}
		err := im.into(target, func(yield func(*mailfile.Message) error, skip func(mailfile.Skip)) error {
			return mailfile.ReadMaildir(fo.Path, im.opts.MaxMessageSize, yield, skip)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// cyrus imports a Cyrus mailbox directory into mailbox, and each
// subdirectory holding a cyrus.header (a child mailbox, as Cyrus's spool
// nests them) below it.
func (im *importer) cyrus(dir, mailbox string) error {
	if _, err := os.Stat(filepath.Join(dir, "cyrus.header")); err != nil {
		return fmt.Errorf("import: %s: not a Cyrus mailbox directory: %w", dir, err)
	}
	if err := im.into(mailbox, func(yield func(*mailfile.Message) error, skip func(mailfile.Skip)) error {
		return mailfile.ReadCyrus(dir, im.opts.MaxMessageSize, yield, skip)
	}); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(sub, "cyrus.header")); err != nil {
			continue
		}
		child := mailbox + "." + e.Name()
		if err := store.ValidateName(child); err != nil {
			im.report.Skipped = append(im.report.Skipped, Skip{Mailbox: mailbox,
				Skip: mailfile.Skip{Where: sub, Reason: "folder name: " + err.Error()}})
			continue
		}
		if err := im.cyrus(sub, child); err != nil {
			return err
		}
	}
	return nil
}

// into imports what read yields into one mailbox.
func (im *importer) into(mailbox string, read func(func(*mailfile.Message) error, func(mailfile.Skip)) error) error {
	r := im.report
	if _, err := im.s.GetMailbox(mailbox); errors.Is(err, store.ErrNoMailbox) {
		if _, err := im.s.CreateMailbox(mailbox, store.CreateOptions{}); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		r.Created = append(r.Created, mailbox)
	} else if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	r.Mailboxes = append(r.Mailboxes, mailbox)
	mb, err := im.s.GetMailbox(mailbox)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	// What the mailbox holds already, by body: an earlier run's work.
	held := map[string]int{}
	if err := im.s.ForEachMessage(mb, 0, func(m *store.Message) bool {
		held[m.Body]++
		return true
	}); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var batch []store.NewMessage
	var batchSize int64
	progress := func() {
		if im.opts.Progress != nil {
			im.opts.Progress(Progress{Mailbox: mailbox, Read: im.read, Imported: r.Imported,
				AlreadyThere: r.AlreadyThere, Skipped: len(r.Skipped), Bytes: r.Bytes})
		}
	}
	write := func(msgs []store.NewMessage, size int64) error {
		if _, err := im.s.AppendAll(mailbox, msgs); err != nil {
			return fmt.Errorf("import into %s: %w", mailbox, err)
		}
		r.Imported += len(msgs)
		r.Bytes += size
		progress()
		return nil
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// A batch the partition cannot hold would fail half-way: what
		// fits goes in, and the import stops before the rest, leaving
		// the headroom deliveries need (a rerun, once space is freed,
		// continues from there).
		room, err := im.s.Room(mb.Partition)
		if err != nil {
			return fmt.Errorf("import into %s: %w", mailbox, err)
		}
		if room >= 0 && batchSize > room {
			n, fit := 0, int64(0)
			for n < len(batch) && fit+int64(len(batch[n].Body)) <= room {
				fit += int64(len(batch[n].Body))
				n++
			}
			if n > 0 {
				if err := write(batch[:n], fit); err != nil {
					return err
				}
			}
			return fmt.Errorf("import into %s stopped: partition %s is full (%d bytes free after the %d kept for deliveries, the next %d messages need %d); free space and run the import again to continue: %w",
				mailbox, mb.Partition, max(room-fit, 0), int64(store.BulkHeadroom), len(batch)-n, batchSize-fit, syscall.ENOSPC)
		}
		if err := write(batch, batchSize); err != nil {
			return err
		}
		batch, batchSize = batch[:0], 0
		return nil
	}
	err = read(func(m *mailfile.Message) error {
		im.read++
		ref := store.BodyRef(m.Body)
		if held[ref] > 0 {
			held[ref]--
			r.AlreadyThere++
			return nil
		}
		batch = append(batch, store.NewMessage{Body: m.Body, InternalDate: m.InternalDate, Flags: m.Flags,
			MessageID: message.MessageID(m.Body)})
		batchSize += int64(len(m.Body))
		if len(batch) >= batchMessages || batchSize >= batchBytes {
			return flush()
		}
		return nil
	}, func(sk mailfile.Skip) {
		r.Skipped = append(r.Skipped, Skip{Mailbox: mailbox, Skip: sk})
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	progress()
	return nil
}
