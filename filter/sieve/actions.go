package sieve

import (
	"net/mail"
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// command compiles one command other than require and if.
func (l *loader) command(id string, c parser.Cmd) (command, error) {
	if id == "elsif" || id == "else" {
		return nil, errAt(c.Position, "%s without a preceding if", id)
	}
	if err := noBlock(c); err != nil {
		return nil, err
	}
	switch id {
	case "stop":
		if len(c.Args) > 0 {
			return nil, errAt(c.Position, "stop takes no arguments")
		}
		return stopCmd{}, nil
	case "return":
		if err := l.need(c.Position, "return", "include"); err != nil {
			return nil, err
		}
		if len(c.Args) > 0 {
			return nil, errAt(c.Position, "return takes no arguments")
		}
		return returnCmd{}, nil
	case "keep", "fileinto":
		return l.fileinto(id, c)
	case "discard":
		if len(c.Args) > 0 {
			return nil, errAt(c.Position, "discard takes no arguments")
		}
		return discardCmd{}, nil
	case "redirect":
		return l.redirect(c)
	case "reject", "ereject":
		return l.reject(id, c)
	case "setflag", "addflag", "removeflag":
		return l.flagCmd(id, c)
	case "set":
		return l.set(c)
	case "vacation":
		return l.vacation(c)
	case "notify":
		return l.notify(c)
	case "addheader":
		return l.addheader(c)
	case "deleteheader":
		return l.deleteheader(c)
	case "include":
		return l.include(c)
	case "global":
		return l.global(c)
	}
	return nil, errAt(c.Position, "unknown command %q", c.Id)
}

// add records an action. RFC 5228 §2.10.3 lets the same keep, fileinto or
// redirect be done once; RFC 5429 §2.1 (as Cyrus) makes reject
// incompatible with keep, fileinto, redirect and vacation.
func (r *run) add(a Action, cancelsKeep bool) error {
	_, isReject := a.(Reject)
	for _, have := range r.actions {
		_, hadReject := have.(Reject)
		if (isReject && conflictsWithReject(have)) || (hadReject && conflictsWithReject(a)) {
			return runErrorf("reject cannot be used with keep, fileinto, redirect or vacation")
		}
		if sameAction(have, a) {
			r.keepCancelled = r.keepCancelled || cancelsKeep
			return nil
		}
	}
	r.actions = append(r.actions, a)
	r.keepCancelled = r.keepCancelled || cancelsKeep
	return nil
}

// intoInbox: keep, or fileinto INBOX, which deliver to the same place.
func intoInbox(a Action) bool {
	switch x := a.(type) {
	case Keep:
		return true
	case FileInto:
		return strings.EqualFold(x.Mailbox, "INBOX")
	}
	return false
}

func conflictsWithReject(a Action) bool {
	switch a.(type) {
	case Keep, FileInto, Redirect, Vacation:
		return true
	}
	return false
}

func sameAction(a, b Action) bool {
	if intoInbox(a) && intoInbox(b) {
		return true
	}
	switch x := a.(type) {
	case FileInto:
		y, ok := b.(FileInto)
		return ok && x.Mailbox == y.Mailbox
	case Redirect:
		y, ok := b.(Redirect)
		return ok && strings.EqualFold(x.Address, y.Address)
	case Discard:
		_, ok := b.(Discard)
		return ok
	case Reject:
		_, ok := b.(Reject)
		return ok
	case Vacation:
		_, ok := b.(Vacation)
		return ok // RFC 5230 §4.7 is one response per message
	case Notify:
		y, ok := b.(Notify)
		return ok && x.Method == y.Method && x.Message == y.Message
	}
	return false
}

// fileintoCmd is keep (RFC 5228 §4.3) and fileinto (§4.1), with
// imap4flags' :flags, copy's :copy and mailbox's :create.
type fileintoCmd struct {
	keep     bool
	mailbox  str
	flags    []str
	hasFlags bool
	copy     bool
	create   bool
}

func (l *loader) fileinto(id string, c parser.Cmd) (command, error) {
	if id == "fileinto" {
		if err := l.need(c.Position, "fileinto", "fileinto"); err != nil {
			return nil, err
		}
	}
	spec := map[string]argKind{"flags": argList}
	if id == "fileinto" {
		spec["copy"], spec["create"] = argNone, argNone
	}
	a, err := l.split(c.Position, id, c.Args, spec)
	if err != nil {
		return nil, err
	}
	cmd := &fileintoCmd{keep: id == "keep", copy: a.has("copy"), create: a.has("create")}
	if a.has("flags") {
		if err := l.need(c.Position, ":flags", "imap4flags"); err != nil {
			return nil, err
		}
		cmd.hasFlags = true
		if cmd.flags, err = l.strs(a.tags["flags"]); err != nil {
			return nil, err
		}
	}
	if cmd.copy {
		if err := l.need(c.Position, ":copy", "copy"); err != nil {
			return nil, err
		}
	}
	if cmd.create {
		if err := l.need(c.Position, ":create", "mailbox"); err != nil {
			return nil, err
		}
	}
	if cmd.keep {
		return cmd, l.positionals(a)
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	cmd.mailbox, err = l.str1(a.rest[0])
	return cmd, err
}

func (c *fileintoCmd) exec(r *run) error {
	flags := r.flags
	if c.hasFlags {
		flags = addFlags(nil, r.expandList(c.flags))
	}
	if c.keep {
		return r.add(Keep{Flags: cloneFlags(flags)}, true)
	}
	mbox := r.expand(c.mailbox)
	if mbox == "" {
		return runErrorf("fileinto: empty mailbox name")
	}
	return r.add(FileInto{Mailbox: mbox, Flags: cloneFlags(flags), Create: c.create, Copy: c.copy}, !c.copy)
}

type discardCmd struct{}

func (discardCmd) exec(r *run) error { return r.add(Discard{}, true) }

// redirectCmd is redirect (RFC 5228 §4.2), with :copy (RFC 3894).
type redirectCmd struct {
	addr str
	copy bool
}

func (l *loader) redirect(c parser.Cmd) (command, error) {
	a, err := l.split(c.Position, "redirect", c.Args, map[string]argKind{"copy": argNone})
	if err != nil {
		return nil, err
	}
	if a.has("copy") {
		if err := l.need(c.Position, ":copy", "copy"); err != nil {
			return nil, err
		}
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	cmd := &redirectCmd{copy: a.has("copy")}
	if cmd.addr, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	if cmd.addr.constant() {
		if _, ok := parseAddrSpec(cmd.addr.lit); !ok {
			return nil, errAt(c.Position, "redirect: %q is not an address", cmd.addr.lit)
		}
	}
	return cmd, nil
}

func (c *redirectCmd) exec(r *run) error {
	v := r.expand(c.addr)
	addr, ok := parseAddrSpec(v)
	if !ok {
		return runErrorf("redirect: %q is not an address", v)
	}
	for _, a := range r.actions {
		if x, ok := a.(Redirect); ok && strings.EqualFold(x.Address, addr) {
			return r.add(Redirect{Address: addr, Copy: c.copy}, !c.copy)
		}
	}
	if r.redirects >= r.root.opts.MaxRedirects {
		return runErrorf("more than %d redirects", r.root.opts.MaxRedirects)
	}
	r.redirects++
	return r.add(Redirect{Address: addr, Copy: c.copy}, !c.copy)
}

// parseAddrSpec reads an address as redirect and vacation :from want it
// (RFC 5228 §4.2: an RFC 5322 address), returning its addr-spec.
func parseAddrSpec(v string) (string, bool) {
	a, err := mail.ParseAddress(v)
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", false
	}
	return a.Address, true
}

// rejectCmd is reject and ereject (RFC 5429).
type rejectCmd struct {
	reason   str
	extended bool
}

func (l *loader) reject(id string, c parser.Cmd) (command, error) {
	if err := l.need(c.Position, id, id); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, id, c.Args, nil)
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	cmd := &rejectCmd{extended: id == "ereject"}
	cmd.reason, err = l.str1(a.rest[0])
	return cmd, err
}

func (c *rejectCmd) exec(r *run) error {
	return r.add(Reject{Reason: r.expand(c.reason), Extended: c.extended}, true)
}
