package main

// chapar unexpunge, expire and ipurge: Cyrus's unexpunge, cyr_expire and
// ipurge, with their flags, through the admin socket or on the store
// directly when no server runs.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"chapar/access/admin"
)

const (
	unexpungeUsage = "usage: chapar unexpunge [-t INTERVAL] -l MAILBOX | [-d] [-f FLAG] [-t INTERVAL] -a MAILBOX | [-d] [-f FLAG] -u MAILBOX UID..."
	expireUsage    = "usage: chapar expire [-X AGE] [-D AGE] [-E AGE] (ages in days, or with a unit: 12h, 30m, 10s)"
	ipurgeUsage    = "usage: chapar ipurge [-f] [-x] [-X] [-i] [-s] [-o] [-n] -d DAYS | -b BYTES | -k KiB | -m MiB PATTERN..."
)

// retentionMain runs unexpunge, expire or ipurge.
func retentionMain(cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	confPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var build func(words []string) (admin.Request, error)
	switch cmd {
	case "unexpunge":
		build = unexpungeFlags(fs)
	case "expire":
		build = expireFlags(fs)
	case "ipurge":
		build = ipurgeFlags(fs)
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	// Flags may come after the positional words, as in adminMain.
	var words []string
	for rest := args; len(rest) > 0; {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		rest = fs.Args()
		if len(rest) > 0 {
			words = append(words, rest[0])
			rest = rest[1:]
		}
	}
	req, err := build(words)
	if err != nil {
		return err
	}
	log := newLogger("warn")
	cfg, err := loadConfig(*confPath, log)
	if err != nil {
		return err
	}
	resp, err := callOrOpen(cfg.AdminSocket, req, func() (*admin.Commands, func(), error) {
		return openAdminCommands(cfg, log)
	})
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(stdout, "%s\n", resp.Result)
		return err
	}
	return printRetention(req.Cmd, resp, stdout)
}

func request(cmd string, args any) (admin.Request, error) {
	data, err := json.Marshal(args)
	if err != nil {
		return admin.Request{}, err
	}
	return admin.Request{Cmd: cmd, Args: data}, nil
}

func unexpungeFlags(fs *flag.FlagSet) func([]string) (admin.Request, error) {
	list := fs.Bool("l", false, "list the expunged messages kept")
	all := fs.Bool("a", false, "restore every expunged message kept")
	uids := fs.Bool("u", false, "restore the messages of the UIDs given after the mailbox")
	clear := fs.Bool("d", false, `take \Deleted off the restored messages`)
	addFlag := fs.String("f", "", "add this keyword to the restored messages")
	within := fs.String("t", "", "only what was expunged within this interval (seconds, or 2d, 3h, 10m)")
	return func(words []string) (admin.Request, error) {
		var a admin.UnexpungeArgs
		n := 0
		for _, on := range []bool{*list, *all, *uids} {
			if on {
				n++
			}
		}
		if n != 1 {
			return admin.Request{}, fmt.Errorf("unexpunge: give one of -l, -a and -u\n%s", unexpungeUsage)
		}
		if len(words) == 0 {
			return admin.Request{}, fmt.Errorf("unexpunge: no mailbox\n%s", unexpungeUsage)
		}
		a.List, a.All, a.ClearDeleted, a.AddFlag = *list, *all, *clear, *addFlag
		if *within != "" {
			d, err := parseAge(*within, time.Second)
			if err != nil {
				return admin.Request{}, fmt.Errorf("unexpunge -t: %w", err)
			}
			a.WithinSeconds = int64(d / time.Second)
		}
		if !*uids {
			if len(words) != 1 {
				return admin.Request{}, fmt.Errorf("unexpunge: one mailbox, and UIDs only with -u\n%s", unexpungeUsage)
			}
			a.Mailbox = words[0]
			return request(admin.CmdUnexpunge, a)
		}
		if len(words) < 2 {
			return admin.Request{}, fmt.Errorf("unexpunge -u: a mailbox and at least one UID\n%s", unexpungeUsage)
		}
		// Cyrus's order is the mailbox, then the UIDs; UIDs first and the
		// mailbox last is taken too, when the last word is no UID.
		mailbox, rest := words[0], words[1:]
		if _, err := parseUID(words[0]); err == nil {
			if _, err := parseUID(words[len(words)-1]); err != nil {
				mailbox, rest = words[len(words)-1], words[:len(words)-1]
			}
		}
		a.Mailbox = mailbox
		a.UIDs = []uint32{}
		for _, w := range rest {
			uid, err := parseUID(w)
			if err != nil {
				return admin.Request{}, fmt.Errorf("unexpunge -u: %q: %w", w, err)
			}
			a.UIDs = append(a.UIDs, uid)
		}
		return request(admin.CmdUnexpunge, a)
	}
}

func parseUID(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, errors.New("not a UID (a whole number from 1)")
	}
	return uint32(n), nil
}

func expireFlags(fs *flag.FlagSet) func([]string) (admin.Request, error) {
	x := fs.String("X", "", "remove for good the messages expunged more than AGE ago")
	d := fs.String("D", "", "remove for good the mailboxes deleted more than AGE ago")
	e := fs.String("E", "", "forget the duplicate-delivery marks older than AGE")
	return func(words []string) (admin.Request, error) {
		if len(words) > 0 {
			return admin.Request{}, fmt.Errorf("expire: unexpected %q\n%s", words[0], expireUsage)
		}
		var a admin.ExpireArgs
		for _, f := range []struct {
			flag, val string
			dst       **int64
		}{{"-X", *x, &a.ExpungedSeconds}, {"-D", *d, &a.DeletedSeconds}, {"-E", *e, &a.DuplicateSeconds}} {
			if f.val == "" {
				continue
			}
			age, err := parseAge(f.val, 24*time.Hour)
			if err != nil {
				return admin.Request{}, fmt.Errorf("expire %s: %w", f.flag, err)
			}
			secs := int64(age / time.Second)
			*f.dst = &secs
		}
		if a.ExpungedSeconds == nil && a.DeletedSeconds == nil && a.DuplicateSeconds == nil {
			return admin.Request{}, fmt.Errorf("expire: nothing to expire\n%s", expireUsage)
		}
		return request(admin.CmdExpire, a)
	}
}

func ipurgeFlags(fs *flag.FlagSet) func([]string) (admin.Request, error) {
	days := fs.String("d", "", "purge messages older than DAYS")
	bytes := fs.Int64("b", -1, "purge messages larger than BYTES")
	kib := fs.Int64("k", -1, "purge messages larger than KiB")
	mib := fs.Int64("m", -1, "purge messages larger than MiB")
	a := admin.IpurgeArgs{}
	fs.BoolVar(&a.Exact, "x", false, "match the age or size exactly")
	fs.BoolVar(&a.DeliveryDate, "X", false, "age by the delivery (internal) date, not the Date: header")
	fs.BoolVar(&a.Force, "f", false, "include users' mailboxes")
	fs.BoolVar(&a.Invert, "i", false, "purge what does not match")
	fs.BoolVar(&a.SkipFlagged, "s", false, `spare \Flagged messages`)
	fs.BoolVar(&a.OnlyDeleted, "o", false, `purge only \Deleted messages`)
	fs.BoolVar(&a.DryRun, "n", false, "only report what would be purged")
	return func(words []string) (admin.Request, error) {
		a.Seconds, a.Bytes = -1, -1
		given := 0
		if *days != "" {
			age, err := parseAge(*days, 24*time.Hour)
			if err != nil {
				return admin.Request{}, fmt.Errorf("ipurge -d: %w", err)
			}
			a.Seconds, given = int64(age/time.Second), given+1
		}
		for _, s := range []struct {
			n, unit int64
		}{{*bytes, 1}, {*kib, 1024}, {*mib, 1 << 20}} {
			if s.n >= 0 {
				a.Bytes, given = s.n*s.unit, given+1
			}
		}
		if given != 1 {
			return admin.Request{}, fmt.Errorf("ipurge: give exactly one of -d, -b, -k and -m\n%s", ipurgeUsage)
		}
		if len(words) == 0 {
			return admin.Request{}, fmt.Errorf("ipurge: no mailbox pattern\n%s", ipurgeUsage)
		}
		a.Patterns = words
		return request(admin.CmdIpurge, a)
	}
}

// parseAge reads an age: a non-negative number in unit, or with a unit
// of its own (d, h, m, s), as Cyrus 3's tools take them.
func parseAge(s string, unit time.Duration) (time.Duration, error) {
	num := s
	switch {
	case strings.HasSuffix(s, "d"):
		num, unit = s[:len(s)-1], 24*time.Hour
	case strings.HasSuffix(s, "h"):
		num, unit = s[:len(s)-1], time.Hour
	case strings.HasSuffix(s, "m"):
		num, unit = s[:len(s)-1], time.Minute
	case strings.HasSuffix(s, "s"):
		num, unit = s[:len(s)-1], time.Second
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || f > 1e6 || f != f {
		return 0, fmt.Errorf("%q: expected a number of days, or one with a unit (12h, 30m, 10s)", s)
	}
	return time.Duration(f * float64(unit)), nil
}

func printRetention(cmd string, resp admin.Response, w io.Writer) error {
	switch cmd {
	case admin.CmdUnexpunge:
		var r admin.UnexpungeReport
		if err := admin.Decode(resp, &r); err != nil {
			return err
		}
		if r.Kept != nil {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UID\tEXPUNGED\tINTERNALDATE\tSIZE\tFLAGS\tMESSAGE-ID")
			for _, k := range r.Kept {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", k.UID, k.Expunged, k.InternalDate, k.Size, strings.Join(k.Flags, " "), k.MessageID)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s: %d expunged message(s) kept\n", r.Mailbox, len(r.Kept))
			return nil
		}
		for _, m := range r.Restored {
			fmt.Fprintf(w, "restored UID %d as UID %d\n", m.OldUID, m.UID)
		}
		fmt.Fprintf(w, "%s: restored %d expunged message(s)\n", r.Mailbox, len(r.Restored))
	case admin.CmdExpire:
		var r admin.ExpireReport
		if err := admin.Decode(resp, &r); err != nil {
			return err
		}
		for _, name := range r.Mailboxes {
			fmt.Fprintln(w, "removed deleted mailbox", name)
		}
		fmt.Fprintf(w, "expunged messages removed: %d\ndeleted mailboxes removed: %d\nduplicate marks removed: %d\n",
			r.Expunged, len(r.Mailboxes), r.Duplicates)
	case admin.CmdIpurge:
		var r admin.IpurgeReport
		if err := admin.Decode(resp, &r); err != nil {
			return err
		}
		for _, m := range r.Mailboxes {
			fmt.Fprintf(w, "%s: %d message(s), %d bytes\n", m.Mailbox, len(m.UIDs), m.Bytes)
		}
	}
	return nil
}

// retentionExit runs a lifecycle command from main.
func retentionExit(cmd string, args []string) error {
	return retentionMain(cmd, args, os.Stdout, os.Stderr)
}
