package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// flagCmd is setflag, addflag and removeflag (RFC 5232 §4), on the
// internal flags variable or on a named one.
type flagCmd struct {
	op       string
	variable str // empty: the internal variable
	hasVar   bool
	flags    []str
}

func (l *loader) flagCmd(id string, c parser.Cmd) (command, error) {
	if err := l.need(c.Position, id, "imap4flags"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, id, c.Args, nil)
	if err != nil {
		return nil, err
	}
	cmd := &flagCmd{op: id}
	switch len(a.rest) {
	case 1:
	case 2:
		if err := l.need(c.Position, id+" with a variable name", "variables"); err != nil {
			return nil, err
		}
		cmd.hasVar = true
		if cmd.variable, err = l.str1(a.rest[0]); err != nil {
			return nil, err
		}
		if !cmd.variable.constant() || !validVariableName(cmd.variable.lit) {
			return nil, errAt(c.Position, "%s: bad variable name", id)
		}
		cmd.variable.lit = strings.ToLower(cmd.variable.lit)
		a.rest = a.rest[1:]
	default:
		return nil, errAt(c.Position, "%s takes [variable] flag-list", id)
	}
	cmd.flags, err = l.strs(a.rest[0])
	return cmd, err
}

func (c *flagCmd) exec(r *run) error {
	cur := r.flags
	if c.hasVar {
		cur = strings.Fields(r.variable(c.variable.lit))
	}
	given := r.expandList(c.flags)
	switch c.op {
	case "setflag":
		cur = addFlags(nil, given)
	case "addflag":
		cur = addFlags(cloneFlags(cur), given)
	case "removeflag":
		cur = removeFlags(cur, given)
	}
	if c.hasVar {
		r.setVariable(c.variable.lit, strings.Join(cur, " "))
		return nil
	}
	r.flags = cur
	return nil
}

// addFlags adds each space-separated flag of given not already in set,
// ignoring case (RFC 5232 §3: flags are compared case-insensitively).
func addFlags(set []string, given []string) []string {
	for _, g := range given {
		for _, f := range strings.Fields(g) {
			if !hasFlag(set, f) {
				set = append(set, f)
			}
		}
	}
	return set
}

func removeFlags(set []string, given []string) []string {
	out := make([]string, 0, len(set))
	for _, f := range set {
		drop := false
		for _, g := range given {
			if hasFlag(strings.Fields(g), f) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

func hasFlag(set []string, f string) bool {
	for _, s := range set {
		if asciiEqualFold(s, f) {
			return true
		}
	}
	return false
}

// hasflagTest is imap4flags' hasflag (RFC 5232 §4.4).
type hasflagTest struct {
	vars []str
	m    *matcher
}

func (l *loader) hasflag(t parser.Test) (test, error) {
	if err := l.need(t.Position, "hasflag", "imap4flags"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "hasflag", t.Args, matchTags(nil))
	if err != nil {
		return nil, err
	}
	ht := &hasflagTest{}
	switch len(a.rest) {
	case 1:
	case 2:
		if err := l.need(t.Position, "hasflag with variables", "variables"); err != nil {
			return nil, err
		}
		if ht.vars, err = l.strs(a.rest[0]); err != nil {
			return nil, err
		}
		a.rest = a.rest[1:]
	default:
		return nil, errAt(t.Position, "hasflag takes [variable-list] flag-list")
	}
	ht.m, err = l.matcher(a, a.rest[0])
	return ht, err
}

func (t *hasflagTest) eval(r *run) (bool, error) {
	var have []string
	if t.vars == nil {
		have = r.flags
	} else {
		for _, v := range r.expandList(t.vars) {
			have = append(have, strings.Fields(r.variable(strings.ToLower(v)))...)
		}
	}
	return r.matchValues(t.m, have)
}
