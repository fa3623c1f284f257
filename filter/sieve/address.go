package sieve

import (
	"strings"

	"github.com/foxcpp/go-sieve/parser"

	"chapar/message"
)

// addressPart is RFC 5228 §2.7.4's ADDRESS-PART, with subaddress's :user
// and :detail (RFC 5233 §4).
type addressPart uint8

const (
	partAll addressPart = iota
	partLocal
	partDomain
	partUser
	partDetail
)

// detailSeparator splits user+detail, as chapar's plus-addressing does.
const detailSeparator = "+"

var addressPartTags = map[string]argKind{"all": argNone, "localpart": argNone, "domain": argNone, "user": argNone, "detail": argNone}

// addressTest is address (RFC 5228 §5.1) and envelope (§5.4).
type addressTest struct {
	envelope bool
	names    []str // header names, or envelope parts
	part     addressPart
	index    indexSpec
	m        *matcher
}

func (l *loader) addressTest(id string, t parser.Test) (test, error) {
	extra := map[string]argKind{}
	for k, v := range addressPartTags {
		extra[k] = v
	}
	if id == "address" {
		for k, v := range indexTags {
			extra[k] = v
		}
	} else if err := l.need(t.Position, "envelope", "envelope"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, id, t.Args, matchTags(extra))
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("all", "localpart", "domain", "user", "detail"); err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList, argList); err != nil {
		return nil, err
	}
	at := &addressTest{envelope: id == "envelope"}
	switch {
	case a.has("localpart"):
		at.part = partLocal
	case a.has("domain"):
		at.part = partDomain
	case a.has("user"), a.has("detail"):
		if err := l.need(t.Position, ":user and :detail", "subaddress"); err != nil {
			return nil, err
		}
		at.part = partUser
		if a.has("detail") {
			at.part = partDetail
		}
	}
	if at.index, err = l.index(a); err != nil {
		return nil, err
	}
	if at.names, err = l.strs(a.rest[0]); err != nil {
		return nil, err
	}
	if at.envelope {
		for _, n := range at.names {
			if p := strings.ToLower(n.lit); n.constant() && p != "from" && p != "to" && p != "auth" {
				return nil, errAt(t.Position, "envelope: unknown envelope part %q", n.lit)
			}
		}
	}
	at.m, err = l.matcher(a, a.rest[1])
	return at, err
}

func (t *addressTest) eval(r *run) (bool, error) {
	var vals []string
	for _, n := range t.names {
		name := strings.ToLower(r.expand(n))
		if t.envelope {
			var addr string
			switch name {
			case "from":
				addr = r.env.From
			case "to":
				addr = r.env.To
			case "auth":
				addr = r.env.Auth
			default:
				continue
			}
			if v, ok := addressPartOf(addr, t.part); ok {
				vals = append(vals, v)
			}
			continue
		}
		var addrs []string
		if t.index.n == 0 {
			addrs = r.fieldAddresses(name)
		} else {
			for _, f := range t.index.pick(r.hdr.values(name)) {
				addrs = append(addrs, r.addresses(f)...)
			}
		}
		for _, addr := range addrs {
			if v, ok := addressPartOf(addr, t.part); ok {
				vals = append(vals, v)
			}
		}
	}
	return r.matchValues(t.m, vals)
}

// fieldAddresses returns the addresses of every field called name, lower
// case, from the run's cache.
func (r *run) fieldAddresses(name string) []string {
	for _, c := range r.hdr.addrs {
		if c.name == name {
			return c.addrs
		}
	}
	var addrs []string
	r.hdr.each(name, func(v string) { addrs = append(addrs, r.addresses(v)...) })
	r.hdr.addrs = append(r.hdr.addrs, fieldAddresses{name: name, addrs: addrs})
	return addrs
}

// addresses returns the addr-specs of a field value; a value that holds
// none is compared whole, as RFC 5228 §5.1 lets an implementation do with
// what it cannot parse.
func (r *run) addresses(v string) []string {
	if out, ok := simpleAddresses(v); ok {
		return out // the common case, without net/mail
	}
	list := message.ParseAddressList(v)
	if len(list) == 0 {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return []string{v}
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}

// simpleAddresses reads the common forms — "a@b", "Name <a@b>", and
// lists of them — without net/mail; ok is false for anything else
// (quotes, comments, groups, encoded words), which takes the full parser.
func simpleAddresses(v string) (out []string, ok bool) {
	if strings.ContainsAny(v, "\"():;\\=") {
		return nil, false
	}
	for el := range strings.SplitSeq(v, ",") {
		el = strings.TrimSpace(el)
		if lt := strings.IndexByte(el, '<'); lt >= 0 {
			if !strings.HasSuffix(el, ">") || strings.ContainsAny(el[:lt], "<>@") {
				return nil, false
			}
			el = el[lt+1 : len(el)-1]
		}
		if !isBareAddress(el) {
			return nil, false
		}
		out = append(out, el)
	}
	return out, true
}

// isBareAddress: local@domain with nothing a parser would need to look at.
func isBareAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>[\]`, c) >= 0 || (c == '@' && i != at) {
			return false
		}
	}
	return true
}

// addressPartOf selects part of an address; ok is false when the part is
// absent (RFC 5233 §4: :detail of an address without a separator).
func addressPartOf(addr string, part addressPart) (string, bool) {
	local, domain := addr, ""
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local, domain = addr[:i], addr[i+1:]
	}
	switch part {
	case partLocal:
		return local, true
	case partDomain:
		return domain, true
	case partUser:
		u, _, _ := strings.Cut(local, detailSeparator)
		return u, true
	case partDetail:
		_, d, ok := strings.Cut(local, detailSeparator)
		return d, ok
	}
	return addr, true
}
