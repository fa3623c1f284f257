package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"

	"chapar/message"
)

// bodyTest is RFC 5173's body, with transforms :raw, :content and :text.
type bodyTest struct {
	raw     bool
	content []str // media types; :text is "text"
	m       *matcher
}

func (l *loader) bodyTest(t parser.Test) (test, error) {
	if err := l.need(t.Position, "body", "body"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "body", t.Args, matchTags(map[string]argKind{"raw": argNone, "content": argList, "text": argNone}))
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("raw", "content", "text"); err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList); err != nil {
		return nil, err
	}
	bt := &bodyTest{raw: a.has("raw"), content: []str{{lit: "text"}}}
	if v, ok := a.tags["content"]; ok {
		if bt.content, err = l.strs(v); err != nil {
			return nil, err
		}
	}
	bt.m, err = l.matcher(a, a.rest[0])
	return bt, err
}

func (t *bodyTest) eval(r *run) (bool, error) {
	if t.raw {
		// RFC 5173 §5.1: the body as it is, transfer encoding and all.
		return r.matchValues(t.m, []string{string(r.msg[message.HeaderSize(r.msg):])})
	}
	if r.part == nil {
		r.part = message.Parse(r.msg)
	}
	types := r.expandList(t.content)
	var vals []string
	walkParts(r.part, func(p *message.Part) {
		if contentMatches(p, types) {
			vals = append(vals, p.Text(r.msg))
		}
	})
	return r.matchValues(t.m, vals)
}

// walkParts visits the leaf parts, those of enclosed messages included.
func walkParts(p *message.Part, fn func(*message.Part)) {
	switch {
	case len(p.Children) > 0:
		for _, c := range p.Children {
			walkParts(c, fn)
		}
	case p.Enclosed != nil:
		walkParts(p.Enclosed, fn)
	default:
		fn(p)
	}
}

// contentMatches is RFC 5173 §5.2: "" is every part, "type" any subtype
// of it, "type/subtype" exactly that.
func contentMatches(p *message.Part, types []string) bool {
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		major, minor, hasMinor := strings.Cut(t, "/")
		switch {
		case t == "":
			return true
		case !hasMinor && major == p.MediaType:
			return true
		case hasMinor && major == p.MediaType && minor == p.SubType:
			return true
		}
	}
	return false
}
