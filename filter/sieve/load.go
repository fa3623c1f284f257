package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/lexer"
	"github.com/foxcpp/go-sieve/parser"
)

// command is a compiled command; test a compiled test.
type (
	command interface{ exec(r *run) error }
	test    interface {
		eval(r *run) (bool, error)
	}
)

// loader turns go-sieve's tree into chapar's commands and tests, checking
// each against RFC 5228 §2.6's argument rules and the script's require.
type loader struct {
	s *Script
}

// block compiles a command list; top says it is the script's top level,
// the only place require may be (RFC 5228 §3.2), before other commands.
func (l *loader) block(cmds []parser.Cmd, top bool) ([]command, error) {
	out := make([]command, 0, len(cmds))
	requireOK := top
	for i := 0; i < len(cmds); i++ {
		c := cmds[i]
		id := strings.ToLower(c.Id)
		if id == "require" {
			if !requireOK {
				return nil, errAt(c.Position, "require must come before any other command")
			}
			if err := l.require(c); err != nil {
				return nil, err
			}
			continue
		}
		requireOK = false
		if id == "if" {
			cmd, next, err := l.ifChain(cmds, i)
			if err != nil {
				return nil, err
			}
			out = append(out, cmd)
			i = next - 1
			continue
		}
		cmd, err := l.command(id, c)
		if err != nil {
			return nil, err
		}
		out = append(out, cmd)
	}
	return out, nil
}

// require checks the extensions named exist and are enabled (RFC 5228
// §3.2: an unknown one is an error).
func (l *loader) require(c parser.Cmd) error {
	if len(c.Args) != 1 || c.Tests != nil || c.Block != nil {
		return errAt(c.Position, "require takes one string list")
	}
	names, err := l.list(c.Args[0])
	if err != nil {
		return err
	}
	for _, n := range names {
		if !l.s.enabled[n] {
			return errAt(c.Position, "unsupported extension %q", n)
		}
		l.s.requires[n] = true
	}
	return nil
}

// need checks the script required ext before using what it adds.
func (l *loader) need(pos lexer.Position, what string, ext Extension) error {
	if !l.s.requires[ext] {
		return errAt(pos, "%s needs require %q", what, ext)
	}
	return nil
}

// argKind is what a tag takes after it, or a positional argument's type.
type argKind uint8

const (
	argNone argKind = iota
	argString
	argList // a string list, or a single string
	argNumber
)

// args is a command's or test's arguments, tags split from positionals
// (RFC 5228 §2.6.2: tagged arguments come first).
type args struct {
	pos  lexer.Position
	what string
	tags map[string]parser.Arg // tag → the argument it takes, or nil
	rest []parser.Arg
}

// split reads the tags in spec, each at most once, then the positionals.
func (l *loader) split(pos lexer.Position, what string, in []parser.Arg, spec map[string]argKind) (*args, error) {
	a := &args{pos: pos, what: what, tags: map[string]parser.Arg{}}
	for i := 0; i < len(in); i++ {
		t, ok := in[i].(parser.TagArg)
		if !ok {
			a.rest = append(a.rest, in[i])
			continue
		}
		if len(a.rest) > 0 {
			return nil, errAt(t.Position, "%s: tag :%s after a positional argument", what, t.Value)
		}
		tag := strings.ToLower(t.Value)
		kind, ok := spec[tag]
		if !ok {
			return nil, errAt(t.Position, "%s: unknown tag :%s", what, t.Value)
		}
		if _, dup := a.tags[tag]; dup {
			return nil, errAt(t.Position, "%s: tag :%s given twice", what, t.Value)
		}
		if kind == argNone {
			a.tags[tag] = nil
			continue
		}
		if i+1 >= len(in) {
			return nil, errAt(t.Position, "%s: tag :%s needs an argument", what, t.Value)
		}
		i++
		if err := l.checkKind(what+" :"+tag, in[i], kind); err != nil {
			return nil, err
		}
		a.tags[tag] = in[i]
	}
	return a, nil
}

func (l *loader) checkKind(what string, a parser.Arg, kind argKind) error {
	switch a.(type) {
	case parser.StringArg:
		if kind == argString || kind == argList {
			return nil
		}
	case parser.StringListArg:
		if kind == argList {
			return nil
		}
	case parser.NumberArg:
		if kind == argNumber {
			return nil
		}
	}
	line, col := a.LineCol()
	return errAt(lexer.Position{Line: line, Col: col}, "%s: expected %s", what, kindName(kind))
}

func kindName(k argKind) string {
	switch k {
	case argString:
		return "a string"
	case argList:
		return "a string list"
	case argNumber:
		return "a number"
	}
	return "no argument"
}

// positionals checks the count and kinds of the positional arguments.
func (l *loader) positionals(a *args, kinds ...argKind) error {
	if len(a.rest) != len(kinds) {
		return errAt(a.pos, "%s takes %d positional argument(s), got %d", a.what, len(kinds), len(a.rest))
	}
	for i, k := range kinds {
		if err := l.checkKind(a.what, a.rest[i], k); err != nil {
			return err
		}
	}
	return nil
}

func (a *args) has(tag string) bool { _, ok := a.tags[tag]; return ok }

// exclusive refuses more than one tag of a group (RFC 5228 §2.7.1: one
// match type; one address part; :days or :seconds...).
func (a *args) exclusive(tags ...string) error {
	seen := ""
	for _, t := range tags {
		if a.has(t) {
			if seen != "" {
				return errAt(a.pos, "%s: :%s and :%s cannot be used together", a.what, seen, t)
			}
			seen = t
		}
	}
	return nil
}

// list reads a string or string list argument, raw.
func (l *loader) list(a parser.Arg) ([]string, error) {
	switch v := a.(type) {
	case parser.StringArg:
		return []string{v.Value}, nil
	case parser.StringListArg:
		return v.Value, nil
	}
	line, col := a.LineCol()
	return nil, errAt(lexer.Position{Line: line, Col: col}, "expected a string list")
}

// strs compiles a string list argument.
func (l *loader) strs(a parser.Arg) ([]str, error) {
	raw, err := l.list(a)
	if err != nil {
		return nil, err
	}
	out := make([]str, len(raw))
	for i, v := range raw {
		line, _ := a.LineCol()
		s, err := l.compileStr(v)
		if err != nil {
			return nil, &Error{Line: line, Msg: err.Error()}
		}
		out[i] = s
	}
	return out, nil
}

// str1 compiles a single string argument.
func (l *loader) str1(a parser.Arg) (str, error) {
	v, ok := a.(parser.StringArg)
	if !ok {
		line, col := a.LineCol()
		return str{}, errAt(lexer.Position{Line: line, Col: col}, "expected a string")
	}
	s, err := l.compileStr(v.Value)
	if err != nil {
		return str{}, errAt(v.Position, "%v", err)
	}
	return s, nil
}

// tagStr compiles a tag's string argument, or returns def.
func (l *loader) tagStr(a *args, tag string, def str) (str, error) {
	v, ok := a.tags[tag]
	if !ok {
		return def, nil
	}
	return l.str1(v)
}

func (a *args) num(tag string) (int, bool) {
	v, ok := a.tags[tag].(parser.NumberArg)
	return v.Value, ok
}

// noBlock refuses tests and a block on a command that takes neither.
func noBlock(c parser.Cmd) error {
	if len(c.Tests) > 0 {
		return errAt(c.Position, "%s takes no test", c.Id)
	}
	if c.Block != nil {
		return errAt(c.Position, "%s takes no block", c.Id)
	}
	return nil
}

// noTests refuses tests nested in a test that takes none.
func noTests(t parser.Test) error {
	if len(t.Tests) > 0 {
		return errAt(t.Position, "%s takes no nested test", t.Id)
	}
	return nil
}
