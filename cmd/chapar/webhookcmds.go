package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"chapar/access/admin"
	"chapar/store"
)

// webhookFlags are the flags of chapar webhook add.
type webhookFlags struct {
	events, mailbox string
	secretStdin     bool
	batch           int
}

// buildWebhookRequest turns chapar webhook add|list|delete|dead into an
// admin request. The secret is read from stdin, never from the command
// line, where ps would show it.
func buildWebhookRequest(words []string, f webhookFlags, stdin io.Reader) (admin.Request, error) {
	const usage = "usage: chapar webhook add URL [--events TYPE,...] [--mailbox PATTERN] [--batch N] --secret-stdin | list | delete ID | dead ID"
	if len(words) == 0 {
		return admin.Request{}, errors.New(usage)
	}
	if words[0] != "add" && (f.events != "" || f.mailbox != "" || f.secretStdin || f.batch != 0) {
		return admin.Request{}, fmt.Errorf("webhook %s: --events, --mailbox, --batch and --secret-stdin are flags of webhook add", words[0])
	}
	var cmd string
	var args *admin.WebhookArgs
	switch words[0] {
	case "add":
		if len(words) != 2 {
			return admin.Request{}, errors.New(usage)
		}
		if !f.secretStdin {
			return admin.Request{}, errors.New("webhook add: give the secret (at least 16 bytes) on standard input with --secret-stdin")
		}
		secret, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return admin.Request{}, fmt.Errorf("webhook add: reading the secret: %w", err)
		}
		args = &admin.WebhookArgs{URL: words[1], Secret: strings.TrimRight(secret, "\r\n"), Mailbox: f.mailbox, Batch: f.batch}
		args.Events = strings.FieldsFunc(f.events, func(r rune) bool { return r == ',' || r == ' ' })
		cmd = admin.CmdWebhookAdd
	case "list":
		if len(words) != 1 {
			return admin.Request{}, errors.New(usage)
		}
		cmd = admin.CmdWebhookList
	case "delete", "dead":
		if len(words) != 2 {
			return admin.Request{}, errors.New(usage)
		}
		cmd, args = admin.CmdWebhookDelete, &admin.WebhookArgs{ID: words[1]}
		if words[0] == "dead" {
			cmd = admin.CmdWebhookDead
		}
	default:
		return admin.Request{}, fmt.Errorf("webhook: unknown subcommand %q", words[0])
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

// printWebhookResult prints the answer of a webhook command for people.
func printWebhookResult(cmd string, resp admin.Response, w io.Writer) error {
	switch cmd {
	case admin.CmdWebhookAdd:
		var h store.Webhook
		if err := admin.Decode(resp, &h); err != nil {
			return err
		}
		fmt.Fprintf(w, "webhook %s added\n", h.ID)
	case admin.CmdWebhookList:
		var hooks []store.Webhook
		if err := admin.Decode(resp, &hooks); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tMAILBOX\tBATCH\tCREATED")
		for _, h := range hooks {
			batch := "-"
			if h.Batch > 0 {
				batch = strconv.Itoa(h.Batch)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.URL, orAll(strings.Join(h.Events, ",")), orAll(h.Mailbox), batch, h.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	case admin.CmdWebhookDead:
		var dead []store.DeadLetter
		if err := admin.Decode(resp, &dead); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "EVENT-ID\tEVENT\tATTEMPTS\tFAILED\tLAST ERROR")
		for _, d := range dead {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", d.Seq, d.Type, d.Attempts, d.Failed.Format(time.RFC3339), d.LastError)
		}
		return tw.Flush()
	default:
		fmt.Fprintln(w, "ok")
	}
	return nil
}

func orAll(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
