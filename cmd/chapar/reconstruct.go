package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"chapar/access/admin"
	"chapar/store"
)

// reconstructMain is chapar reconstruct [-n] [--json] MAILBOX|USER: it
// goes through the running server's admin socket, so that a mailbox the
// server holds is rebuilt by the server itself; with no server it opens
// the store (which the server's lock then keeps from starting).
func reconstructMain(args []string) error {
	fs := flag.NewFlagSet("reconstruct", flag.ExitOnError)
	confPath := configFlag(fs)
	dry := fs.Bool("n", false, "report what would be done; change nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	// Flags may come after the name too.
	var words []string
	for rest := args; len(rest) > 0; {
		fs.Parse(rest)
		if rest = fs.Args(); len(rest) > 0 {
			words, rest = append(words, rest[0]), rest[1:]
		}
	}
	if len(words) != 1 {
		return fmt.Errorf("usage: chapar reconstruct [-n] [--json] MAILBOX|USER")
	}
	log := newLogger("warn")
	cfg, err := loadConfig(*confPath, log)
	if err != nil {
		return err
	}
	data, err := json.Marshal(admin.ReconstructArgs{Name: words[0], DryRun: *dry})
	if err != nil {
		return err
	}
	resp, err := callOrOpen(cfg.AdminSocket, admin.Request{Cmd: admin.CmdReconstruct, Args: data},
		func() (*admin.Commands, func(), error) { return openAdminCommands(cfg, log) })
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(os.Stdout, "%s\n", resp.Result)
		return err
	}
	var reps []store.ReconstructReport
	if err := admin.Decode(resp, &reps); err != nil {
		return err
	}
	return printReconstruct(os.Stdout, reps)
}

// printReconstruct writes one paragraph per mailbox.
func printReconstruct(w io.Writer, reps []store.ReconstructReport) error {
	var b strings.Builder
	for _, r := range reps {
		verb := "revived"
		if r.DryRun {
			verb = "would revive"
		}
		fmt.Fprintf(&b, "%s: uidvalidity %d, %d records kept, %s %d messages from the segment frames", r.Mailbox, r.UIDValidity, r.Kept, verb, r.Revived)
		if r.IndexLost {
			b.WriteString(" (the index was lost")
			if !r.DryRun {
				b.WriteString("; re-created under a new uidvalidity")
			}
			b.WriteString(")")
		}
		b.WriteString("\n")
		if r.Revived > 0 {
			fmt.Fprintf(&b, "  note: messages expunged or moved away since their segment was last compacted come back too\n")
		}
		if r.Stale > 0 {
			fmt.Fprintf(&b, "  %d placements skipped: body compacted away or damaged\n", r.Stale)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
