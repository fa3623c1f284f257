package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"chapar/access/admin"
	"chapar/config"
	"chapar/notify/webhook"
	"chapar/store"
)

// adminMain runs an admin command: through the running server's socket, or,
// when no server runs, on the store directly (whose files are then free).
func adminMain(group string, args []string) error {
	fs := flag.NewFlagSet(group, flag.ExitOnError)
	confPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	partition := fs.String("partition", "", "partition for mailbox create")
	repair := fs.Bool("repair", false, "check: fix what can be fixed (orphan indexes, counters), then check again")
	global := fs.Bool("global", false, "sieve: the global scripts (include :global) instead of a user's")
	none := fs.Bool("none", false, "sieve activate: deactivate every script")
	recount := fs.Bool("f", false, "quota: count the usage again from the mailboxes (Cyrus's quota -f)")
	var hookFlags webhookFlags
	fs.StringVar(&hookFlags.events, "events", "", "webhook add: the event types sent, comma-separated (default all)")
	fs.StringVar(&hookFlags.mailbox, "mailbox", "", "webhook add: a mailbox pattern (user.alice.*, %) the events must match")
	fs.BoolVar(&hookFlags.secretStdin, "secret-stdin", false, "webhook add: read the signing secret from standard input")
	fs.IntVar(&hookFlags.batch, "batch", 0, "webhook add: POST JSON arrays of up to N events (default: one event per POST)")
	// Flags may come after the positional words (chapar user add bob --password-stdin).
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
	if *repair && group != "check" {
		return fmt.Errorf("%s: --repair is a flag of chapar check", group)
	}
	if (*global || *none) && group != "sieve" {
		return fmt.Errorf("%s: --global and --none are flags of chapar sieve", group)
	}
	if *recount && group != "quota" {
		return fmt.Errorf("%s: -f is a flag of chapar quota", group)
	}
	var req admin.Request
	switch group {
	case "sieve":
		req, err = buildSieveRequest(words, *global, *none, os.Stdin)
	case "quota":
		req, err = quotaRequest(words, *recount)
	case "webhook":
		req, err = buildWebhookRequest(words, hookFlags, os.Stdin)
	default:
		req, err = buildRequest(group, words, *pwStdin, *partition, *repair)
	}
	if err != nil {
		return err
	}
	resp, err := callOrOpen(cfg.AdminSocket, req, func() (*admin.Commands, func(), error) {
		return openAdminCommands(cfg, log)
	})
	if err != nil {
		return err
	}
	return printResult(req.Cmd, resp, *asJSON, os.Stdout)
}

// openAdminCommands opens the store itself, for when no server runs; the
// store acts as the server's would (expunge_mode and delete_mode
// included).
func openAdminCommands(cfg *config.Config, log *slog.Logger) (*admin.Commands, func(), error) {
	st, err := store.Open(store.Options{Dir: cfg.ConfigDirectory, Partitions: cfg.Partitions,
		DefaultPartition: cfg.DefaultPartition, Shards: cfg.IndexShards, Logger: log,
		DefaultACL: cfg.DefaultACL, SCRAMIterations: cfg.SASLSCRAMIterations,
		DelayedExpunge: cfg.ExpungeMode == "delayed", DelayedDelete: cfg.DeleteMode == "delayed"})
	if err != nil {
		return nil, nil, err
	}
	return &admin.Commands{Store: st, Namer: store.Namer{UnixHierarchySep: cfg.UnixHierarchySep},
		CheckSieve: checkSieveScript(cfg), Users: userRule(cfg), AutocreateQuota: int64(cfg.AutocreateQuota),
		Webhooks: webhook.Registry{Store: st}}, func() { st.Close() }, nil
}

func buildRequest(group string, words []string, pwStdin bool, partition string, repair bool) (admin.Request, error) {
	need := func(n int, use string) error {
		if len(words) != n {
			return fmt.Errorf("usage: chapar %s", use)
		}
		return nil
	}
	var cmd string
	var args any
	switch group {
	case "user":
		if len(words) == 0 {
			return admin.Request{}, errors.New("usage: chapar user add|passwd|list|delete NAME")
		}
		switch words[0] {
		case "add", "passwd":
			// passwd sets a new password, and with it new SCRAM keys, as
			// Cyrus's saslpasswd2 does for sasldb.
			if err := need(2, "user "+words[0]+" NAME --password-stdin"); err != nil {
				return admin.Request{}, err
			}
			if !pwStdin {
				return admin.Request{}, fmt.Errorf("user %s: give the password on standard input with --password-stdin", words[0])
			}
			pw, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && err != io.EOF {
				return admin.Request{}, err
			}
			pw = strings.TrimRight(pw, "\r\n")
			if pw == "" {
				return admin.Request{}, fmt.Errorf("user %s: empty password", words[0])
			}
			cmd, args = admin.CmdUserAdd, admin.UserArgs{Name: words[1], Password: pw}
			if words[0] == "passwd" {
				cmd = admin.CmdUserPasswd
			}
		case "list":
			cmd = admin.CmdUserList
		case "delete":
			if err := need(2, "user delete NAME"); err != nil {
				return admin.Request{}, err
			}
			cmd, args = admin.CmdUserDelete, admin.UserArgs{Name: words[1]}
		default:
			return admin.Request{}, fmt.Errorf("user: unknown subcommand %q", words[0])
		}
	case "mailbox":
		if len(words) == 0 {
			return admin.Request{}, errors.New("usage: chapar mailbox create|delete|rename NAME [NEWNAME]")
		}
		switch words[0] {
		case "create":
			if err := need(2, "mailbox create NAME"); err != nil {
				return admin.Request{}, err
			}
			cmd, args = admin.CmdMailboxCreate, admin.MailboxArgs{Name: words[1], Partition: partition}
		case "delete":
			if err := need(2, "mailbox delete NAME"); err != nil {
				return admin.Request{}, err
			}
			cmd, args = admin.CmdMailboxDelete, admin.MailboxArgs{Name: words[1]}
		case "rename":
			if err := need(3, "mailbox rename NAME NEWNAME"); err != nil {
				return admin.Request{}, err
			}
			cmd, args = admin.CmdMailboxRename, admin.MailboxArgs{Name: words[1], NewName: words[2]}
		default:
			return admin.Request{}, fmt.Errorf("mailbox: unknown subcommand %q", words[0])
		}
	case "group":
		if len(words) == 0 {
			return admin.Request{}, errors.New("usage: chapar group add|delete|list [NAME [MEMBER...]]")
		}
		switch words[0] {
		case "add":
			if len(words) < 3 {
				return admin.Request{}, errors.New("usage: chapar group add NAME MEMBER [MEMBER ...]")
			}
			cmd, args = admin.CmdGroupAdd, admin.GroupArgs{Name: words[1], Members: words[2:]}
		case "delete":
			if len(words) < 2 {
				return admin.Request{}, errors.New("usage: chapar group delete NAME [MEMBER...]")
			}
			cmd, args = admin.CmdGroupDelete, admin.GroupArgs{Name: words[1], Members: words[2:]}
		case "list":
			if len(words) > 2 {
				return admin.Request{}, errors.New("usage: chapar group list [NAME]")
			}
			var a admin.GroupArgs
			if len(words) == 2 {
				a.Name = words[1]
			}
			cmd, args = admin.CmdGroupList, a
		default:
			return admin.Request{}, fmt.Errorf("group: unknown subcommand %q", words[0])
		}
	case "mboxlist":
		cmd = admin.CmdMboxlist
	case "mbexamine":
		if err := need(1, "mbexamine MAILBOX [--json]"); err != nil {
			return admin.Request{}, err
		}
		cmd, args = admin.CmdMbexamine, admin.MailboxArgs{Name: words[0]}
	case "check":
		cmd = admin.CmdCheck
		if repair {
			cmd = admin.CmdRepair
		}
	}
	req := admin.Request{Cmd: cmd}
	if args != nil {
		data, err := json.Marshal(args)
		if err != nil {
			return req, err
		}
		req.Args = data
	}
	return req, nil
}

// callOrOpen asks the server; if none runs, it opens the store itself.
func callOrOpen(socket string, req admin.Request, open func() (*admin.Commands, func(), error)) (admin.Response, error) {
	var raw json.RawMessage
	err := admin.Call(socket, req.Cmd, req.Args, &raw)
	if err == nil {
		return admin.Response{OK: true, Result: raw}, nil
	}
	if !errors.Is(err, admin.ErrNotRunning) {
		return admin.Response{}, err
	}
	cmds, done, oerr := open()
	if oerr != nil {
		if errors.Is(oerr, store.ErrLocked) {
			return admin.Response{}, fmt.Errorf("the store is locked by a running chapar whose admin socket %s does not answer: %w", socket, oerr)
		}
		return admin.Response{}, oerr
	}
	defer done()
	fmt.Fprintln(os.Stderr, "chapar: no server answers on", socket+"; working on the store directly")
	resp := admin.Execute(cmds, req)
	if !resp.OK {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

func printResult(cmd string, resp admin.Response, asJSON bool, w io.Writer) error {
	if asJSON {
		if len(resp.Result) == 0 {
			resp.Result = json.RawMessage("null")
		}
		_, err := fmt.Fprintf(w, "%s\n", resp.Result)
		return err
	}
	switch cmd {
	case admin.CmdSieveList, admin.CmdSieveGet, admin.CmdSievePut, admin.CmdSieveActivate, admin.CmdSieveDelete:
		return printSieveResult(cmd, resp, w)
	case admin.CmdWebhookAdd, admin.CmdWebhookList, admin.CmdWebhookDelete, admin.CmdWebhookDead:
		return printWebhookResult(cmd, resp, w)
	case admin.CmdUserList, admin.CmdCheck:
		var lines []string
		if err := admin.Decode(resp, &lines); err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		if cmd == admin.CmdCheck {
			if len(lines) > 0 {
				return fmt.Errorf("check: %d problem(s)", len(lines))
			}
			fmt.Fprintln(w, "store is consistent")
		}
	case admin.CmdRepair:
		var r admin.RepairReport
		if err := admin.Decode(resp, &r); err != nil {
			return err
		}
		for _, l := range r.Repaired {
			fmt.Fprintln(w, "repaired:", l)
		}
		for _, l := range r.Problems {
			fmt.Fprintln(w, l)
		}
		if len(r.Problems) > 0 {
			return fmt.Errorf("check --repair: %d problem(s) left that no repair can fix", len(r.Problems))
		}
		fmt.Fprintf(w, "store is consistent (%d repair(s))\n", len(r.Repaired))
	case admin.CmdGroupList:
		var groups map[string][]string
		if err := admin.Decode(resp, &groups); err != nil {
			return err
		}
		names := make([]string, 0, len(groups))
		for n := range groups {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "%s: %s\n", n, strings.Join(groups[n], " "))
		}
	case admin.CmdMboxlist:
		var list []admin.MboxlistEntry
		if err := admin.Decode(resp, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tPARTITION\tMESSAGES\tUIDVALIDITY\tUIDNEXT")
		for _, e := range list {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", e.Name, e.Partition, e.Messages, e.UIDValidity, e.UIDNext)
		}
		return tw.Flush()
	case admin.CmdQuotaList:
		var list []admin.QuotaReport
		if err := admin.Decode(resp, &list); err != nil {
			return err
		}
		printQuotas(w, list)
	case admin.CmdMbexamine:
		var ex admin.Examination
		if err := admin.Decode(resp, &ex); err != nil {
			return err
		}
		fmt.Fprintf(w, "Mailbox: %s (%s)\n  UIDVALIDITY: %d  UIDNEXT: %d  HIGHESTMODSEQ: %d  Exists: %d\n",
			ex.Mailbox, ex.Internal, ex.UIDValidity, ex.UIDNext, ex.HighestModSeq, ex.Exists)
		for _, m := range ex.Messages {
			fmt.Fprintf(w, "  UID %d  size %d  modseq %d  %s  flags %v  %s\n", m.UID, m.Size, m.ModSeq, m.InternalDate, m.Flags, m.MessageID)
		}
	default:
		fmt.Fprintln(w, "ok")
	}
	return nil
}
