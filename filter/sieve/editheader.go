package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// protectedField: fields a script may not add or delete, silently (RFC
// 5293 §6: Received is the message's history; Auto-Submitted stops loops).
func protectedField(name string) bool {
	return strings.EqualFold(name, "Received") || strings.EqualFold(name, "Auto-Submitted")
}

// validFieldName is RFC 5322 §3.6.8's field-name: printable ASCII but ":".
func validFieldName(n string) bool {
	if n == "" || len(n) > 200 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < 33 || n[i] > 126 || n[i] == ':' {
			return false
		}
	}
	return true
}

// addheaderCmd is RFC 5293 §4.
type addheaderCmd struct {
	name, value str
	last        bool
}

func (l *loader) addheader(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "addheader", "editheader"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "addheader", c.Args, map[string]argKind{"last": argNone})
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString, argString); err != nil {
		return nil, err
	}
	cmd := &addheaderCmd{last: a.has("last")}
	if cmd.name, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	if cmd.name.constant() && !validFieldName(cmd.name.lit) {
		return nil, errAt(c.Position, "addheader: %q is not a field name", cmd.name.lit)
	}
	cmd.value, err = l.str1(a.rest[1])
	return cmd, err
}

func (c *addheaderCmd) exec(r *run) error {
	name := r.expand(c.name)
	if !validFieldName(name) {
		return runErrorf("addheader: %q is not a field name", name)
	}
	if protectedField(name) {
		return nil
	}
	// RFC 5293 §4: no line ends of the script's own in the value.
	value := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(r.expand(c.value))
	r.hdr.add(name, value, c.last)
	return nil
}

// deleteheaderCmd is RFC 5293 §5.
type deleteheaderCmd struct {
	name  str
	index indexSpec
	m     *matcher // nil: every occurrence
}

func (l *loader) deleteheader(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "deleteheader", "editheader"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "deleteheader", c.Args, matchTags(indexTags))
	if err != nil {
		return nil, err
	}
	if len(a.rest) < 1 || len(a.rest) > 2 {
		return nil, errAt(c.Position, "deleteheader takes a field name and optional value patterns")
	}
	cmd := &deleteheaderCmd{}
	if cmd.index, err = l.indexOf(a, false); err != nil {
		return nil, err
	}
	if cmd.name, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	if cmd.name.constant() && !validFieldName(cmd.name.lit) {
		return nil, errAt(c.Position, "deleteheader: %q is not a field name", cmd.name.lit)
	}
	if len(a.rest) == 2 {
		if cmd.m, err = l.matcher(a, a.rest[1]); err != nil {
			return nil, err
		}
	} else if a.has("comparator") || a.has("is") || a.has("contains") || a.has("matches") || a.has("regex") || a.has("value") || a.has("count") {
		return nil, errAt(c.Position, "deleteheader: a match type needs value patterns")
	}
	return cmd, nil
}

func (c *deleteheaderCmd) exec(r *run) error {
	name := r.expand(c.name)
	if !validFieldName(name) {
		return runErrorf("deleteheader: %q is not a field name", name)
	}
	if protectedField(name) {
		return nil
	}
	return r.hdr.remove(name, func(n, total int, value string) (bool, error) {
		if c.index.n > 0 {
			want := c.index.n
			if c.index.last {
				want = total - c.index.n + 1
			}
			if n != want {
				return false, nil
			}
		}
		if c.m == nil {
			return true, nil
		}
		return r.matchValues(c.m, []string{value})
	})
}
