package sieve

import (
	"errors"
	"fmt"
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// ifCmd is if/elsif/else (RFC 5228 §3.1), the chain in one node.
type ifCmd struct {
	conds  []test
	blocks [][]command
	orElse []command
}

func (c *ifCmd) exec(r *run) error {
	for i, t := range c.conds {
		if err := r.step(); err != nil {
			return err
		}
		ok, err := t.eval(r)
		if err != nil {
			return err
		}
		if ok {
			return r.execBlock(c.blocks[i])
		}
	}
	return r.execBlock(c.orElse)
}

// ifChain compiles cmds[i] (an if) and the elsif/else after it, and
// returns the index past the chain.
func (l *loader) ifChain(cmds []parser.Cmd, i int) (command, int, error) {
	c := &ifCmd{}
	for j := i; j < len(cmds); j++ {
		cur := cmds[j]
		id := strings.ToLower(cur.Id)
		if j > i && id != "elsif" && id != "else" {
			return c, j, nil
		}
		if cur.Block == nil {
			return nil, 0, errAt(cur.Position, "%s needs a block", id)
		}
		if len(cur.Args) > 0 {
			return nil, 0, errAt(cur.Position, "%s takes no arguments besides its test", id)
		}
		block, err := l.block(cur.Block, false)
		if err != nil {
			return nil, 0, err
		}
		if id == "else" {
			if len(cur.Tests) != 0 {
				return nil, 0, errAt(cur.Position, "else takes no test")
			}
			c.orElse = block
			return c, j + 1, nil
		}
		if len(cur.Tests) != 1 {
			return nil, 0, errAt(cur.Position, "%s takes exactly one test", id)
		}
		t, err := l.test(cur.Tests[0])
		if err != nil {
			return nil, 0, err
		}
		c.conds = append(c.conds, t)
		c.blocks = append(c.blocks, block)
	}
	return c, len(cmds), nil
}

// execBlock runs commands in order until one ends the run.
func (r *run) execBlock(cmds []command) error {
	for _, c := range cmds {
		if err := r.step(); err != nil {
			return err
		}
		if err := c.exec(r); err != nil {
			return err
		}
	}
	return nil
}

type stopCmd struct{}

func (stopCmd) exec(*run) error { return errStop }

type returnCmd struct{}

func (returnCmd) exec(*run) error { return errReturn }

// globalCmd declares variables shared with included scripts (RFC 6609 §3.5).
type globalCmd struct{ names []string }

func (c globalCmd) exec(r *run) error {
	if r.globalName == nil {
		r.globalName = map[string]bool{}
	}
	for _, n := range c.names {
		r.globalName[n] = true
	}
	return nil
}

func (l *loader) global(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "global", "include"); err != nil {
		return nil, err
	}
	if err := l.need(c.Position, "global", "variables"); err != nil {
		return nil, err
	}
	if len(c.Args) != 1 {
		return nil, errAt(c.Position, "global takes one string list")
	}
	names, err := l.list(c.Args[0])
	if err != nil {
		return nil, err
	}
	out := globalCmd{}
	for _, n := range names {
		if !isIdentifier(n) {
			return nil, errAt(c.Position, "global: %q is not a variable name", n)
		}
		out.names = append(out.names, strings.ToLower(n))
	}
	return out, nil
}

// includeCmd runs another script in this run (RFC 6609 §3.2).
type includeCmd struct {
	loc      Location
	name     str
	once     bool
	optional bool
}

func (l *loader) include(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "include", "include"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "include", c.Args, map[string]argKind{"personal": argNone, "global": argNone, "once": argNone, "optional": argNone})
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("personal", "global"); err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	cmd := &includeCmd{once: a.has("once"), optional: a.has("optional")}
	if a.has("global") {
		cmd.loc = Global
	}
	if cmd.name, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	// RFC 6609 §3.2: a script name has no "/" and is not empty; a variable
	// name is checked when it is known.
	if cmd.name.constant() && !validScriptName(cmd.name.lit) {
		return nil, errAt(c.Position, "include: bad script name %q", cmd.name.lit)
	}
	return cmd, nil
}

func validScriptName(n string) bool {
	return n != "" && !strings.ContainsAny(n, "/\x00") && len(n) <= 1024
}

func (c *includeCmd) exec(r *run) error {
	name := r.expand(c.name)
	if !validScriptName(name) {
		return runErrorf("include: bad script name %q", name)
	}
	key := c.loc.String() + ":" + name
	if c.once && r.included[key] {
		return nil
	}
	for _, k := range r.chain {
		if k == key {
			return runErrorf("include: %s includes itself (through %s)", key, strings.Join(r.chain, " → "))
		}
	}
	if len(r.chain) >= r.root.opts.MaxIncludeDepth {
		return runErrorf("include: deeper than %d", r.root.opts.MaxIncludeDepth)
	}
	src, err := r.host.Include(r.ctx, c.loc, name)
	if errors.Is(err, ErrNoScript) && c.optional {
		return nil
	}
	if err != nil {
		return runErrorf("include %s: %v", key, err)
	}
	sub, err := r.root.includes.compile(src, r.root.opts)
	if err != nil {
		return runErrorf("include %s: %v", key, err)
	}
	if r.included == nil {
		r.included = map[string]bool{}
	}
	r.included[key] = true
	// The included script has its own local variables and declarations
	// (RFC 6609 §3.5); the match variables are not shared either.
	saved := struct {
		script     *Script
		vars       map[string]string
		globalName map[string]bool
		matchVars  []string
	}{r.script, r.vars, r.globalName, r.matchVars}
	r.script, r.vars, r.globalName, r.matchVars = sub, nil, nil, nil
	r.chain = append(r.chain, key)
	err = r.execBlock(sub.cmds)
	r.chain = r.chain[:len(r.chain)-1]
	r.script, r.vars, r.globalName, r.matchVars = saved.script, saved.vars, saved.globalName, saved.matchVars
	if errors.Is(err, errReturn) {
		return nil
	}
	if err != nil && !errors.Is(err, errStop) {
		var re *RunError
		if !errors.As(err, &re) {
			err = fmt.Errorf("include %s: %w", key, err)
		}
	}
	return err
}
