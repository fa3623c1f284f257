package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"chapar/access/admin"
	"chapar/config"
	"chapar/lifecycle/backup"
	"chapar/lifecycle/mailimport"
	"chapar/store"
)

// mboxlistMain is chapar mboxlist: with --dump or --restore the Cyrus
// ctl_mboxlist -d/-u forms, otherwise the admin listing.
func mboxlistMain(args []string) error {
	if slices.ContainsFunc(args, func(a string) bool {
		return a == "--dump" || a == "-dump" || a == "--restore" || a == "-restore"
	}) {
		return lifecycleMain("mboxlist", args)
	}
	return adminMain("mboxlist", args)
}

// lifecycleMain runs chapar backup, restore, import and mboxlist
// --dump/--restore: through the running server's admin socket, or on the
// store directly when no server runs, as the other admin commands do.
func lifecycleMain(group string, args []string) error {
	fs := flag.NewFlagSet(group, flag.ExitOnError)
	confPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	mailbox := fs.String("mailbox", "", "import: the mailbox to import into, as cyradm names it (default the user's INBOX)")
	dump := fs.Bool("dump", false, "mboxlist: print the mailbox list in ctl_mboxlist -d form")
	restore := fs.Bool("restore", false, "mboxlist: recreate the mailboxes of a dump read from FILE or standard input")
	quiet := fs.Bool("q", false, "import, backup, restore: no progress on standard error")
	var words []string
	rest := args
	for len(rest) > 0 {
		fs.Parse(rest)
		rest = fs.Args()
		if len(rest) > 0 {
			words = append(words, rest[0])
			rest = rest[1:]
		}
	}
	log := newLogger("warn")
	cfg, err := loadConfig(*confPath, log)
	if err != nil {
		return err
	}
	if *mailbox != "" && group != "import" {
		return fmt.Errorf("%s: --mailbox is a flag of chapar import", group)
	}
	var (
		cmd      string
		reqArgs  any
		out      any
		progress func(json.RawMessage)
	)
	started := time.Now()
	switch group {
	case "mboxlist":
		switch {
		case *dump == *restore:
			return errors.New("usage: chapar mboxlist --dump | --restore [FILE|-]")
		case *dump:
			if len(words) != 0 {
				return errors.New("usage: chapar mboxlist --dump")
			}
			cmd, out = admin.CmdMboxlistDump, new(admin.MboxlistDump)
		default:
			if len(words) > 1 {
				return errors.New("usage: chapar mboxlist --restore [FILE|-]")
			}
			text, err := readFileOrStdin(words)
			if err != nil {
				return fmt.Errorf("mboxlist --restore: %w", err)
			}
			cmd, reqArgs, out = admin.CmdMboxlistRestore, admin.MboxlistDump{Dump: string(text)}, new(backup.MboxlistReport)
		}
	case "backup":
		if len(words) != 2 {
			return errors.New("usage: chapar backup USER FILE")
		}
		file, err := filepath.Abs(words[1])
		if err != nil {
			return err
		}
		cmd, reqArgs, out = admin.CmdBackup, admin.BackupArgs{User: words[0], File: file}, new(backup.Summary)
		progress = summaryProgress("backup", *quiet)
	case "restore":
		if len(words) != 1 {
			return errors.New("usage: chapar restore FILE")
		}
		file, err := filepath.Abs(words[0])
		if err != nil {
			return err
		}
		cmd, reqArgs, out = admin.CmdRestore, admin.BackupArgs{File: file}, new(backup.Summary)
		progress = summaryProgress("restore", *quiet)
	case "import":
		if len(words) != 3 || (words[0] != mailimport.FormatMbox && words[0] != mailimport.FormatMaildir && words[0] != mailimport.FormatCyrus) {
			return errors.New("usage: chapar import [--mailbox NAME] mbox|maildir|cyrus USER PATH")
		}
		path, err := filepath.Abs(words[2])
		if err != nil {
			return err
		}
		cmd, out = admin.CmdImport, new(mailimport.Report)
		reqArgs = admin.ImportArgs{Format: words[0], User: words[1], Mailbox: *mailbox, Path: path,
			MaxMessageSize: cfg.EffectiveMaxMessageSize()}
		if !*quiet {
			progress = func(raw json.RawMessage) {
				var p mailimport.Progress
				if json.Unmarshal(raw, &p) == nil {
					secs := time.Since(started).Seconds()
					fmt.Fprintf(os.Stderr, "chapar import: %s: %d read, %d imported, %d already there, %d skipped (%.0f msgs/s)\n",
						p.Mailbox, p.Read, p.Imported, p.AlreadyThere, p.Skipped, float64(p.Imported)/max(secs, 1e-3))
				}
			}
		}
	default:
		return fmt.Errorf("unknown command %q", group)
	}
	raw, err := callLifecycle(cfg, log, cmd, reqArgs, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(os.Stdout, "%s\n", raw)
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: bad answer: %w", cmd, err)
	}
	return printLifecycle(os.Stdout, out)
}

// callLifecycle asks the server; if none runs, it opens the store itself.
func callLifecycle(cfg *config.Config, log *slog.Logger, cmd string, args any, progress func(json.RawMessage)) (json.RawMessage, error) {
	var raw json.RawMessage
	err := admin.CallProgress(cfg.AdminSocket, cmd, args, progress, &raw)
	if err == nil {
		return raw, nil
	}
	if !errors.Is(err, admin.ErrNotRunning) {
		return nil, err
	}
	cmds, done, err := openAdminCommands(cfg, log)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("the store is locked by a running chapar whose admin socket %s does not answer: %w", cfg.AdminSocket, err)
		}
		return nil, err
	}
	defer done()
	fmt.Fprintln(os.Stderr, "chapar: no server answers on", cfg.AdminSocket+"; working on the store directly")
	req := admin.Request{Cmd: cmd}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			return nil, err
		}
	}
	resp := admin.ExecuteProgress(cmds, req, progress)
	if !resp.OK {
		return nil, errors.New(resp.Error)
	}
	return resp.Result, nil
}

func summaryProgress(what string, quiet bool) func(json.RawMessage) {
	if quiet {
		return nil
	}
	return func(raw json.RawMessage) {
		var s backup.Summary
		if json.Unmarshal(raw, &s) == nil {
			fmt.Fprintf(os.Stderr, "chapar %s: %s: %d mailboxes, %d messages, %d bytes\n", what, s.User, s.Mailboxes, s.Messages, s.Bytes)
		}
	}
}

func readFileOrStdin(words []string) ([]byte, error) {
	if len(words) == 0 || words[0] == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(words[0])
}

func printLifecycle(w io.Writer, out any) error {
	switch r := out.(type) {
	case *admin.MboxlistDump:
		_, err := io.WriteString(w, r.Dump)
		return err
	case *backup.MboxlistReport:
		for _, l := range r.Skipped {
			fmt.Fprintf(w, "skipped line %d: %s (%q)\n", l.Line, l.Reason, l.Text)
		}
		fmt.Fprintf(w, "%d created, %d ACLs restored, %d unchanged, %d lines skipped\n", len(r.Created), len(r.Updated), r.Same, len(r.Skipped))
	case *backup.Summary:
		fmt.Fprintf(w, "%s: %d mailboxes, %d messages (%d bytes), %d sieve scripts\n", r.User, r.Mailboxes, r.Messages, r.Bytes, r.Scripts)
		if r.Vanished > 0 {
			fmt.Fprintf(w, "%d messages expunged while the backup ran were left out\n", r.Vanished)
		}
	case *mailimport.Report:
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "skipped: %s: %s: %s\n", s.Mailbox, s.Where, s.Reason)
		}
		fmt.Fprintf(w, "imported %d messages (%d bytes) into %d mailboxes (%d created), %d already there, %d skipped, in %s (%.0f msgs/s)\n",
			r.Imported, r.Bytes, len(r.Mailboxes), len(r.Created), r.AlreadyThere, len(r.Skipped), r.Elapsed.Round(time.Millisecond), r.MessagesPerSecond())
	}
	return nil
}
