package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// test compiles one test.
func (l *loader) test(t parser.Test) (test, error) {
	id := strings.ToLower(t.Id)
	switch id {
	case "allof", "anyof":
		return l.listTest(id, t)
	case "not":
		if len(t.Args) > 0 || len(t.Tests) != 1 {
			return nil, errAt(t.Position, "not takes one test")
		}
		inner, err := l.test(t.Tests[0])
		return notTest{inner}, err
	case "true", "false":
		if len(t.Args) > 0 || len(t.Tests) > 0 {
			return nil, errAt(t.Position, "%s takes no arguments", id)
		}
		return constTest(id == "true"), nil
	}
	if err := noTests(t); err != nil {
		return nil, err
	}
	switch id {
	case "header":
		return l.headerTest(t)
	case "address", "envelope":
		return l.addressTest(id, t)
	case "exists":
		return l.existsTest(t)
	case "size":
		return l.sizeTest(t)
	case "body":
		return l.bodyTest(t)
	case "string":
		return l.stringTest(t)
	case "hasflag":
		return l.hasflag(t)
	case "date", "currentdate":
		return l.dateTest(id, t)
	case "mailboxexists":
		return l.mailboxExists(t)
	case "duplicate":
		return l.duplicateTest(t)
	case "environment":
		return l.environmentTest(t)
	case "valid_notify_method":
		return l.validNotifyMethod(t)
	case "notify_method_capability":
		return l.notifyMethodCapability(t)
	}
	return nil, errAt(t.Position, "unknown test %q", t.Id)
}

type constTest bool

func (c constTest) eval(*run) (bool, error) { return bool(c), nil }

type notTest struct{ t test }

func (n notTest) eval(r *run) (bool, error) {
	ok, err := n.t.eval(r)
	return !ok, err
}

// listTest is allof and anyof (RFC 5228 §5.2, §5.3), short-circuited.
type listTest struct {
	all   bool
	tests []test
}

func (l *loader) listTest(id string, t parser.Test) (test, error) {
	if len(t.Args) > 0 || len(t.Tests) == 0 {
		return nil, errAt(t.Position, "%s takes a list of tests", id)
	}
	lt := &listTest{all: id == "allof"}
	for _, sub := range t.Tests {
		x, err := l.test(sub)
		if err != nil {
			return nil, err
		}
		lt.tests = append(lt.tests, x)
	}
	return lt, nil
}

func (t *listTest) eval(r *run) (bool, error) {
	for _, x := range t.tests {
		if err := r.step(); err != nil {
			return false, err
		}
		ok, err := x.eval(r)
		if err != nil {
			return false, err
		}
		if ok != t.all {
			return ok, nil
		}
	}
	return t.all, nil
}

// matchTags is the tags of a test that compares: COMPARATOR and
// MATCH-TYPE (RFC 5228 §2.7), relational (RFC 5231), regex, plus extra.
func matchTags(extra map[string]argKind) map[string]argKind {
	m := map[string]argKind{
		"comparator": argString, "is": argNone, "contains": argNone, "matches": argNone,
		"regex": argNone, "value": argString, "count": argString,
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// matcher compiles the comparison tags and the key list of a test.
func (l *loader) matcher(a *args, keys parser.Arg) (*matcher, error) {
	if err := a.exclusive("is", "contains", "matches", "regex", "value", "count"); err != nil {
		return nil, err
	}
	m := &matcher{}
	switch {
	case a.has("contains"):
		m.typ = matchContains
	case a.has("matches"):
		m.typ = matchMatches
	case a.has("regex"):
		if err := l.need(a.pos, ":regex", "regex"); err != nil {
			return nil, err
		}
		m.typ = matchRegex
	case a.has("value"), a.has("count"):
		if err := l.need(a.pos, ":value and :count", "relational"); err != nil {
			return nil, err
		}
		m.typ = matchValue
		tag := "value"
		if a.has("count") {
			m.typ, tag = matchCount, "count"
		}
		m.rel = strings.ToLower(a.tags[tag].(parser.StringArg).Value)
		switch m.rel {
		case "gt", "ge", "lt", "le", "eq", "ne":
		default:
			return nil, errAt(a.pos, "%s: bad relational operator %q (RFC 5231 §4)", a.what, m.rel)
		}
	}
	if v, ok := a.tags["comparator"]; ok {
		name := strings.ToLower(v.(parser.StringArg).Value)
		switch name {
		case "i;octet":
			m.cmp = cmpOctet
		case "i;ascii-casemap":
			m.cmp = cmpCasemap
		case "i;ascii-numeric":
			if err := l.need(a.pos, "i;ascii-numeric", "comparator-i;ascii-numeric"); err != nil {
				return nil, err
			}
			m.cmp = cmpNumeric
		default:
			return nil, errAt(a.pos, "%s: unknown comparator %q", a.what, name)
		}
	}
	// RFC 4790 §9.1: i;ascii-numeric has equality and ordering only.
	if m.cmp == cmpNumeric && (m.typ == matchContains || m.typ == matchMatches || m.typ == matchRegex) {
		return nil, errAt(a.pos, "%s: i;ascii-numeric cannot do substring or pattern matches", a.what)
	}
	var err error
	if m.keys, err = l.strs(keys); err != nil {
		return nil, err
	}
	if err := m.compilePatterns(); err != nil {
		return nil, errAt(a.pos, "%s: %v", a.what, err)
	}
	return m, nil
}

// indexSpec is RFC 5260 §6's :index and :last.
type indexSpec struct {
	n    int // 0: all
	last bool
}

var indexTags = map[string]argKind{"index": argNumber, "last": argNone}

func (l *loader) index(a *args) (indexSpec, error) { return l.indexOf(a, true) }

// indexOf reads :index and :last; needExt is false for deleteheader, whose
// :index is editheader's own (RFC 5293 §5).
func (l *loader) indexOf(a *args, needExt bool) (indexSpec, error) {
	n, ok := a.num("index")
	if !ok {
		if a.has("last") {
			return indexSpec{}, errAt(a.pos, "%s: :last needs :index", a.what)
		}
		return indexSpec{}, nil
	}
	if needExt {
		if err := l.need(a.pos, ":index", "index"); err != nil {
			return indexSpec{}, err
		}
	}
	if n < 1 {
		return indexSpec{}, errAt(a.pos, "%s: :index counts from 1", a.what)
	}
	return indexSpec{n: n, last: a.has("last")}, nil
}

// pick applies the index to a field's values.
func (ix indexSpec) pick(vals []string) []string {
	if ix.n == 0 {
		return vals
	}
	if ix.n > len(vals) {
		return nil
	}
	if ix.last {
		return vals[len(vals)-ix.n : len(vals)-ix.n+1]
	}
	return vals[ix.n-1 : ix.n]
}

// headerTest is RFC 5228 §5.7.
type headerTest struct {
	names []str
	index indexSpec
	m     *matcher
}

func (l *loader) headerTest(t parser.Test) (test, error) {
	a, err := l.split(t.Position, "header", t.Args, matchTags(indexTags))
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList, argList); err != nil {
		return nil, err
	}
	ht := &headerTest{}
	if ht.index, err = l.index(a); err != nil {
		return nil, err
	}
	if ht.names, err = l.strs(a.rest[0]); err != nil {
		return nil, err
	}
	ht.m, err = l.matcher(a, a.rest[1])
	return ht, err
}

func (t *headerTest) eval(r *run) (bool, error) {
	var vals []string
	for _, n := range t.names {
		start := len(vals)
		r.hdr.each(r.expand(n), func(v string) { vals = append(vals, v) })
		if t.index.n > 0 {
			picked := t.index.pick(vals[start:])
			vals = append(vals[:start], picked...)
		}
	}
	return r.matchValues(t.m, vals)
}

// existsTest is RFC 5228 §5.5: every named field is present.
type existsTest struct{ names []str }

func (l *loader) existsTest(t parser.Test) (test, error) {
	a, err := l.split(t.Position, "exists", t.Args, nil)
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList); err != nil {
		return nil, err
	}
	names, err := l.strs(a.rest[0])
	return existsTest{names}, err
}

func (t existsTest) eval(r *run) (bool, error) {
	for _, n := range t.names {
		if !r.hdr.exists(r.expand(n)) {
			return false, nil
		}
	}
	return true, nil
}

// sizeTest is RFC 5228 §5.9.
type sizeTest struct {
	over  bool
	limit int
}

func (l *loader) sizeTest(t parser.Test) (test, error) {
	a, err := l.split(t.Position, "size", t.Args, map[string]argKind{"over": argNone, "under": argNone})
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("over", "under"); err != nil {
		return nil, err
	}
	if !a.has("over") && !a.has("under") {
		return nil, errAt(t.Position, "size needs :over or :under")
	}
	if err := l.positionals(a, argNumber); err != nil {
		return nil, err
	}
	return sizeTest{over: a.has("over"), limit: a.rest[0].(parser.NumberArg).Value}, nil
}

func (t sizeTest) eval(r *run) (bool, error) {
	if t.over {
		return len(r.msg) > t.limit, nil
	}
	return len(r.msg) < t.limit, nil
}

// mailboxExistsTest is RFC 5490 §3.1: every named mailbox exists.
type mailboxExistsTest struct{ names []str }

func (l *loader) mailboxExists(t parser.Test) (test, error) {
	if err := l.need(t.Position, "mailboxexists", "mailbox"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "mailboxexists", t.Args, nil)
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList); err != nil {
		return nil, err
	}
	names, err := l.strs(a.rest[0])
	return mailboxExistsTest{names}, err
}

func (t mailboxExistsTest) eval(r *run) (bool, error) {
	for _, n := range t.names {
		ok, err := r.host.MailboxExists(r.ctx, r.expand(n))
		if err != nil {
			return false, runErrorf("mailboxexists: %v", err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// environmentTest is RFC 5183 §4.
type environmentTest struct {
	name str
	m    *matcher
}

func (l *loader) environmentTest(t parser.Test) (test, error) {
	if err := l.need(t.Position, "environment", "environment"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "environment", t.Args, matchTags(nil))
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString, argList); err != nil {
		return nil, err
	}
	et := &environmentTest{}
	if et.name, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	et.m, err = l.matcher(a, a.rest[1])
	return et, err
}

func (t *environmentTest) eval(r *run) (bool, error) {
	v, ok := r.environment(strings.ToLower(r.expand(t.name)))
	if !ok {
		return false, nil // RFC 5183 §4: an unknown item fails the test
	}
	return r.matchValues(t.m, []string{v})
}

// environment answers the items RFC 5183 §4 defines for a delivery agent.
func (r *run) environment(name string) (string, bool) {
	switch name {
	case "location":
		return "MDA", true
	case "name":
		return "chapar", true
	case "phase":
		return "during", true
	}
	return r.host.Environment(name)
}
