package admin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chapar/lifecycle/backup"
	"chapar/lifecycle/mailimport"
	"chapar/store"
)

// The data lifecycle commands: the mailbox list dump and restore, a
// user's backup and restore, and import. Backup, restore and import name
// files by absolute path, which the server reads or writes itself: the
// admin socket is local, so client and server see one file system, and
// the bytes need not cross the socket. The long ones report progress
// while they run, as Response lines with Progress set, before the final
// response (CallProgress reads them).
const (
	CmdMboxlistDump    = "mboxlist.dump"    // none → MboxlistDump
	CmdMboxlistRestore = "mboxlist.restore" // MboxlistDump → backup.MboxlistReport
	CmdBackup          = "backup"           // BackupArgs → backup.Summary
	CmdRestore         = "restore"          // BackupArgs (File) → backup.Summary
	CmdImport          = "import"           // ImportArgs → mailimport.Report
)

// MboxlistDump is a mailbox list in ctl_mboxlist -d form.
type MboxlistDump struct {
	Dump string `json:"dump"`
}

// BackupArgs name a user and a backup file (absolute path).
type BackupArgs struct {
	User string `json:"user,omitempty"`
	File string `json:"file"`
}

// ImportArgs say what chapar import reads and where it goes.
type ImportArgs struct {
	Format string `json:"format"` // mbox or maildir
	User   string `json:"user"`
	// Mailbox is the target as an administrator types it; empty is the
	// user's INBOX.
	Mailbox string `json:"mailbox,omitempty"`
	Path    string `json:"path"` // absolute
	// MaxMessageSize skips larger messages; 0 = none.
	MaxMessageSize int64 `json:"max_message_size,omitempty"`
}

// isLifecycle reports a command that may send progress.
func isLifecycle(cmd string) bool {
	switch cmd {
	case CmdMboxlistDump, CmdMboxlistRestore, CmdBackup, CmdRestore, CmdImport:
		return true
	}
	return false
}

// ExecuteProgress is Execute for a command that reports progress: each
// report is handed to progress (JSON) before the final response.
func ExecuteProgress(c *Commands, req Request, progress func(json.RawMessage)) Response {
	if !isLifecycle(req.Cmd) || progress == nil {
		return Execute(c, req)
	}
	result, err := c.lifecycle(req, func(v any) {
		if data, err := json.Marshal(v); err == nil {
			progress(data)
		}
	})
	if err != nil {
		return Response{Error: err.Error()}
	}
	data, err := json.Marshal(result)
	if err != nil {
		return Response{Error: err.Error()}
	}
	return Response{OK: true, Result: data}
}

// lifecycle runs one of the lifecycle commands; progress may be nil.
func (c *Commands) lifecycle(req Request, progress func(any)) (any, error) {
	report := func(v any) {
		if progress != nil {
			progress(v)
		}
	}
	switch req.Cmd {
	case CmdMboxlistDump:
		var b strings.Builder
		if _, err := backup.DumpMboxlist(c.Store, &b); err != nil {
			return nil, err
		}
		return MboxlistDump{Dump: b.String()}, nil
	case CmdMboxlistRestore:
		var a MboxlistDump
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return backup.RestoreMboxlist(c.Store, strings.NewReader(a.Dump))
	case CmdBackup:
		var a BackupArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.backup(a, func(s backup.Summary) { report(s) })
	case CmdRestore:
		var a BackupArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		if !filepath.IsAbs(a.File) {
			return nil, fmt.Errorf("restore: %s: give an absolute path", a.File)
		}
		f, err := os.Open(a.File)
		if err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		return backup.Read(c.Store, bufio.NewReaderSize(f, 1<<20), func(s backup.Summary) { report(s) })
	case CmdImport:
		var a ImportArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.importMail(a, func(p mailimport.Progress) { report(p) })
	}
	return nil, fmt.Errorf("unknown admin command %q", req.Cmd)
}

// backup writes the file beside its final name and renames it into place
// once complete and synced, so that a failed backup never leaves a file
// that looks whole.
func (c *Commands) backup(a BackupArgs, progress func(backup.Summary)) (*backup.Summary, error) {
	if !filepath.IsAbs(a.File) {
		return nil, fmt.Errorf("backup: %s: give an absolute path", a.File)
	}
	user := c.Users.Canonical(a.User)
	tmp, err := os.CreateTemp(filepath.Dir(a.File), "."+filepath.Base(a.File)+".*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	w := bufio.NewWriterSize(tmp, 1<<20)
	sum, err := backup.Write(c.Store, user, w, progress)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), a.File)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return sum, nil
}

func (c *Commands) importMail(a ImportArgs, progress func(mailimport.Progress)) (*mailimport.Report, error) {
	if !filepath.IsAbs(a.Path) {
		return nil, fmt.Errorf("import: %s: give an absolute path", a.Path)
	}
	user := c.Users.Canonical(a.User)
	if _, err := c.Store.GetUser(user); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	target := store.UserInbox(user)
	if a.Mailbox != "" {
		var err error
		if target, err = c.Namer.Internal(a.Mailbox); err != nil {
			return nil, fmt.Errorf("import: %s: %w", a.Mailbox, err)
		}
	}
	return mailimport.Import(c.Store, mailimport.Options{Format: a.Format, Mailbox: target, Path: a.Path,
		MaxMessageSize: a.MaxMessageSize, Progress: progress})
}

// CallProgress is Call for a command that reports progress: each report
// goes to progress as it arrives, and every report extends the deadline,
// so that a long import is not cut off while it moves.
func CallProgress(socket, cmd string, args any, progress func(json.RawMessage), out any) error {
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return fmt.Errorf("%w (admin socket %s: %v)", ErrNotRunning, socket, err)
	}
	defer c.Close()
	const quiet = 10 * time.Minute // the longest wait for a word from the server
	c.SetDeadline(time.Now().Add(quiet))
	req := Request{Cmd: cmd}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			return err
		}
	}
	if err := json.NewEncoder(c).Encode(&req); err != nil {
		return fmt.Errorf("admin %s: %w", cmd, err)
	}
	r := bufio.NewReaderSize(c, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("admin %s: no answer: %w", cmd, err)
		}
		var resp Response
		if err := json.Unmarshal(line, &resp); err != nil {
			return fmt.Errorf("admin %s: bad answer: %w", cmd, err)
		}
		if resp.Progress != nil {
			c.SetDeadline(time.Now().Add(quiet))
			if progress != nil {
				progress(resp.Progress)
			}
			continue
		}
		if !resp.OK && resp.Error == "" {
			return errors.New("admin " + cmd + ": empty answer")
		}
		return Decode(resp, out)
	}
}
