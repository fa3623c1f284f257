package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// setCmd is variables' set (RFC 5229 §4).
type setCmd struct {
	name  string
	value str
	mods  []string
}

var setModifiers = map[string]argKind{
	"lower": argNone, "upper": argNone, "lowerfirst": argNone, "upperfirst": argNone,
	"quotewildcard": argNone, "quoteregex": argNone, "length": argNone,
}

func (l *loader) set(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "set", "variables"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "set", c.Args, setModifiers)
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("lower", "upper"); err != nil {
		return nil, err
	}
	if err := a.exclusive("lowerfirst", "upperfirst"); err != nil {
		return nil, err
	}
	if a.has("quoteregex") {
		if err := l.need(c.Position, ":quoteregex", "regex"); err != nil {
			return nil, err
		}
	}
	if err := l.positionals(a, argString, argString); err != nil {
		return nil, err
	}
	name := a.rest[0].(parser.StringArg).Value
	if !validVariableName(name) {
		return nil, errAt(c.Position, "set: %q is not a variable name", name)
	}
	cmd := &setCmd{name: strings.ToLower(name)}
	for m := range a.tags {
		cmd.mods = append(cmd.mods, m)
	}
	cmd.value, err = l.str1(a.rest[1])
	return cmd, err
}

// validVariableName: an identifier, or global.identifier (RFC 6609 §3.5);
// match variables cannot be set (RFC 5229 §4).
func validVariableName(n string) bool {
	if g, ok := strings.CutPrefix(strings.ToLower(n), "global."); ok {
		n = g
	}
	return isIdentifier(n)
}

func (c *setCmd) exec(r *run) error {
	v := r.expand(c.value)
	if len(c.mods) > 0 {
		v = applyModifiers(v, c.mods)
	}
	r.setVariable(c.name, v)
	return nil
}

// stringTest is variables' string test (RFC 5229 §5): with :count, empty
// strings are not counted.
type stringTest struct {
	source []str
	m      *matcher
}

func (l *loader) stringTest(t parser.Test) (test, error) {
	if err := l.need(t.Position, "string", "variables"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "string", t.Args, matchTags(nil))
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList, argList); err != nil {
		return nil, err
	}
	st := &stringTest{}
	if st.source, err = l.strs(a.rest[0]); err != nil {
		return nil, err
	}
	st.m, err = l.matcher(a, a.rest[1])
	return st, err
}

func (t *stringTest) eval(r *run) (bool, error) {
	vals := r.expandList(t.source)
	if t.m.typ == matchCount {
		n := vals[:0]
		for _, v := range vals {
			if v != "" {
				n = append(n, v)
			}
		}
		vals = n
	}
	return r.matchValues(t.m, vals)
}
