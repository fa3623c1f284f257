package sieve

import (
	"regexp"
	"strconv"
	"strings"
)

// matchType is RFC 5228 §2.7.1's MATCH-TYPE, with relational's :count and
// :value (RFC 5231 §4) and the regex draft's :regex.
type matchType uint8

const (
	matchIs matchType = iota
	matchContains
	matchMatches
	matchRegex
	matchValue
	matchCount
)

// comparator is RFC 5228 §2.7.3's COMPARATOR; i;ascii-numeric is RFC 4790
// §9.1.
type comparator uint8

const (
	cmpCasemap comparator = iota // the default
	cmpOctet
	cmpNumeric
)

// matcher is the comparison part of a test: how each value is compared
// with each key.
type matcher struct {
	typ  matchType
	cmp  comparator
	rel  string // gt ge lt le eq ne, for :value and :count
	keys []str
	// res holds the compiled pattern of each constant key for :matches and
	// :regex; nil where the key has variables and is compiled per run.
	res []*regexp.Regexp
}

// compilePatterns prepares :matches and :regex keys that are constants,
// and refuses a bad constant regex at compile time.
func (m *matcher) compilePatterns() error {
	if m.typ != matchMatches && m.typ != matchRegex {
		return nil
	}
	m.res = make([]*regexp.Regexp, len(m.keys))
	for i, k := range m.keys {
		if !k.constant() {
			continue
		}
		re, err := m.pattern(k.lit)
		if err != nil {
			return err
		}
		m.res[i] = re
	}
	return nil
}

func (m *matcher) pattern(key string) (*regexp.Regexp, error) {
	var expr string
	if m.typ == matchMatches {
		expr = globToRegexp(key)
	} else {
		expr = key
	}
	if m.cmp == cmpCasemap {
		expr = "(?i)" + expr
	}
	return regexp.Compile(expr)
}

// globToRegexp turns a :matches key (RFC 5228 §2.7.1: "*" any sequence,
// "?" one character, "\" quotes) into an anchored pattern whose groups are
// the wildcards, each as short as it can be (RFC 5229 §3.2).
func globToRegexp(key string) string {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(key); i++ {
		switch c := key[i]; c {
		case '*':
			b.WriteString(`(.*?)`)
		case '?':
			b.WriteString(`(.)`)
		case '\\':
			if i+1 < len(key) {
				i++
				b.WriteString(regexp.QuoteMeta(key[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(key[i : i+1]))
		}
	}
	b.WriteString(`)$`)
	return b.String()
}

// matchValues reports whether any value matches any key (RFC 5228 §2.7),
// or for :count whether the number of values satisfies the relation
// (RFC 5231 §4.2), and sets the match variables on a :matches or :regex
// success (RFC 5229 §3.2).
func (r *run) matchValues(m *matcher, values []string) (bool, error) {
	if m.typ == matchCount {
		n := strconv.Itoa(len(values))
		for _, k := range m.keys {
			if err := r.step(); err != nil {
				return false, err
			}
			if relate(compareNumeric(n, r.expand(k)), m.rel) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, v := range values {
		for i, k := range m.keys {
			if err := r.stepN(m.cost(v, k)); err != nil {
				return false, err
			}
			ok, err := r.matchOne(m, i, v, k)
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

func (r *run) matchOne(m *matcher, i int, v string, k str) (bool, error) {
	switch m.typ {
	case matchIs:
		key := r.expand(k)
		switch m.cmp {
		case cmpOctet:
			return v == key, nil
		case cmpNumeric:
			return compareNumeric(v, key) == 0, nil
		}
		return asciiEqualFold(v, key), nil
	case matchContains:
		key := r.expand(k)
		if m.cmp == cmpOctet {
			return strings.Contains(v, key), nil
		}
		return asciiContainsFold(v, key), nil
	case matchValue:
		key := r.expand(k)
		var c int
		switch m.cmp {
		case cmpNumeric:
			c = compareNumeric(v, key)
		case cmpOctet:
			c = strings.Compare(v, key)
		default:
			// RFC 4790 §9.2: i;ascii-casemap orders the upper-cased strings.
			c = strings.Compare(asciiUpper(v), asciiUpper(key))
		}
		return relate(c, m.rel), nil
	}
	re := m.res[i]
	if re == nil {
		var err error
		if re, err = m.pattern(r.expand(k)); err != nil {
			return false, runErrorf("bad pattern %q: %v", r.expand(k), err)
		}
	}
	if !r.script.requires["variables"] {
		return re.MatchString(v), nil
	}
	groups := re.FindStringSubmatch(v)
	if groups == nil {
		return false, nil
	}
	if m.typ == matchMatches {
		groups[0] = v // ${0} is the whole value, the group wraps the pattern
	}
	r.matchVars = groups
	return true, nil
}

// cost is how many steps one comparison counts: substring search is
// linear in the value, a pattern match up to value × pattern, so that a
// long pattern over a large body is cut off like a long script.
func (m *matcher) cost(v string, k str) int {
	n := 1 + len(v)/1024
	if m.typ == matchMatches || m.typ == matchRegex {
		klen := len(k.lit)
		for _, p := range k.parts {
			klen += len(p.text) + 16
		}
		n += len(v) * klen / 1024
	}
	return n
}

// relate applies a relational operator to a comparison result.
func relate(c int, rel string) bool {
	switch rel {
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	}
	return false
}

// compareNumeric is i;ascii-numeric (RFC 4790 §9.1): the leading digits
// are the number, a string without them is positive infinity. It compares
// digit strings, so that no number is too large.
func compareNumeric(a, b string) int {
	a, b = leadingDigits(a), leadingDigits(b)
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func asciiLowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = asciiLowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// asciiEqualFold is i;ascii-casemap equality: only ASCII letters fold.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLowerByte(a[i]) != asciiLowerByte(b[i]) {
			return false
		}
	}
	return true
}

// asciiContainsFold is i;ascii-casemap substring: a short value is
// scanned without allocating; a long one is folded and searched with
// strings.Index, which stays linear whatever the key.
func asciiContainsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	if len(s) > 256 {
		return strings.Contains(asciiLower(s), asciiLower(sub))
	}
	first := asciiLowerByte(sub[0])
	for i := 0; i+len(sub) <= len(s); i++ {
		if asciiLowerByte(s[i]) == first && asciiEqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
