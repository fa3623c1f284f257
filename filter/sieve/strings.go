package sieve

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// str is a string argument as compiled: a literal, or, when the script
// requires "variables" and the text names some, literal and variable parts
// (RFC 5229 §3) expanded at run time.
type str struct {
	lit   string
	parts []strPart
}

type strPart struct {
	text string // literal text, when name is ""
	name string // a variable name, lower case, or digits for ${1}
}

func (s str) constant() bool { return s.parts == nil }

// compileStr decodes encoded characters (RFC 5228 §2.4.2.4) and splits
// variable references out.
func (l *loader) compileStr(v string) (str, error) {
	if l.s.requires["encoded-character"] && strings.Contains(v, "${") {
		d, err := decodeEncodedCharacters(v)
		if err != nil {
			return str{}, err
		}
		v = d
	}
	if !l.s.requires["variables"] || !strings.Contains(v, "${") {
		return str{lit: v}, nil
	}
	var parts []strPart
	lit := strings.Builder{}
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			break
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			break
		}
		name := v[i+2 : i+end]
		if !validVariableRef(name) {
			lit.WriteString(v[:i+2])
			v = v[i+2:]
			continue
		}
		lit.WriteString(v[:i])
		if lit.Len() > 0 {
			parts = append(parts, strPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, strPart{name: strings.ToLower(name)})
		v = v[i+end+1:]
	}
	lit.WriteString(v)
	if parts == nil {
		return str{lit: lit.String()}, nil
	}
	if lit.Len() > 0 {
		parts = append(parts, strPart{text: lit.String()})
	}
	return str{parts: parts}, nil
}

// validVariableRef: a match variable (digits) or an identifier, perhaps
// with namespace prefixes (RFC 5229 §3).
func validVariableRef(name string) bool {
	if name == "" {
		return false
	}
	if isDigits(name) {
		return true
	}
	for _, p := range strings.Split(name, ".") {
		if !isIdentifier(p) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isIdentifier: RFC 5228 §8.1 identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_").
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !alpha && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

var errBadEncodedChar = errors.New("encoded character out of the Unicode range")

// decodeEncodedCharacters replaces ${hex:..} and ${unicode:..} (RFC 5228
// §2.4.2.4). A sequence that does not parse stays as written.
func decodeEncodedCharacters(v string) (string, error) {
	var out strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			out.WriteString(v)
			return out.String(), nil
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			out.WriteString(v)
			return out.String(), nil
		}
		body := v[i+2 : i+end]
		kind, list, ok := strings.Cut(body, ":")
		decoded, good, err := decodeEncoded(strings.ToLower(strings.TrimSpace(kind)), list)
		if err != nil {
			return "", err
		}
		if !ok || !good {
			out.WriteString(v[:i+2])
			v = v[i+2:]
			continue
		}
		out.WriteString(v[:i])
		out.WriteString(decoded)
		v = v[i+end+1:]
	}
}

func decodeEncoded(kind, list string) (string, bool, error) {
	var out strings.Builder
	switch kind {
	case "hex":
		for _, f := range strings.Fields(list) {
			if len(f)%2 != 0 {
				return "", false, nil
			}
			b, err := hex.DecodeString(f)
			if err != nil {
				return "", false, nil
			}
			out.Write(b)
		}
	case "unicode":
		for _, f := range strings.Fields(list) {
			n, err := strconv.ParseUint(f, 16, 32)
			if err != nil || len(f) > 8 {
				return "", false, nil
			}
			if (n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF {
				return "", false, errBadEncodedChar
			}
			out.WriteRune(rune(n))
		}
	default:
		return "", false, nil
	}
	return out.String(), true, nil
}

// maxVariableLen bounds one variable's value, so that a script cannot
// grow a string without end by doubling it.
const maxVariableLen = 64 * 1024

// expand returns the string's value in the current run.
func (r *run) expand(s str) string {
	if s.parts == nil {
		return s.lit
	}
	var b strings.Builder
	for _, p := range s.parts {
		if p.name == "" {
			b.WriteString(p.text)
		} else {
			b.WriteString(r.variable(p.name))
		}
	}
	v := b.String()
	if len(v) > maxVariableLen {
		v = truncateUTF8(v, maxVariableLen)
	}
	return v
}

func (r *run) expandList(l []str) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = r.expand(s)
	}
	return out
}

func truncateUTF8(v string, n int) string {
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}

// applyModifiers applies set's modifiers by precedence, highest first
// (RFC 5229 §4.1): 40 :lower/:upper, 30 :lowerfirst/:upperfirst, 20
// :quotewildcard (and :quoteregex, draft-ietf-sieve-regex §5), 10 :length.
func applyModifiers(v string, mods []string) string {
	has := func(m string) bool {
		for _, x := range mods {
			if x == m {
				return true
			}
		}
		return false
	}
	switch {
	case has("lower"):
		v = strings.ToLower(v)
	case has("upper"):
		v = strings.ToUpper(v)
	}
	if v != "" {
		switch {
		case has("lowerfirst"):
			r, n := utf8.DecodeRuneInString(v)
			v = strings.ToLower(string(r)) + v[n:]
		case has("upperfirst"):
			r, n := utf8.DecodeRuneInString(v)
			v = strings.ToUpper(string(r)) + v[n:]
		}
	}
	if has("quotewildcard") {
		v = quoteWith(v, `*?\`)
	}
	if has("quoteregex") {
		v = quoteWith(v, `\.+*?[^]$(){}=!<>|:-#`)
	}
	if has("length") {
		v = strconv.Itoa(utf8.RuneCountInString(v))
	}
	return v
}

func quoteWith(v, special string) string {
	var b strings.Builder
	for _, c := range v {
		if strings.ContainsRune(special, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
