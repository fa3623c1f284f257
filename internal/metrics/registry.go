package metrics

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Registry holds the families of series one process exposes.
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]family{}} }

// family is one metric name with its HELP and TYPE and the series under it.
type family interface {
	header() (help, typ string)
	// write appends the family's samples, one line each.
	write(b *strings.Builder, name string)
}

// register adds a family, or returns the one already under name (so that
// two parts asking for the same metric share it); a name registered with
// another type is a programming error.
func (r *Registry) register(name string, f family) family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.families[name]; ok {
		_, t1 := old.header()
		_, t2 := f.header()
		if t1 != t2 {
			panic(fmt.Sprintf("metrics: %s registered as %s and %s", name, t1, t2))
		}
		return old
	}
	r.families[name] = f
	return f
}

// WriteText writes every family in the text exposition format, names in
// order so that a scrape reads the same way each time.
func (r *Registry) WriteText(w io.Writer) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	fams := make([]family, len(names))
	sort.Strings(names)
	for i, n := range names {
		fams[i] = r.families[n]
	}
	r.mu.Unlock()
	var b strings.Builder
	for i, n := range names {
		help, typ := fams[i].header()
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", n, escapeHelp(help), n, typ)
		fams[i].write(&b, n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// labelString spells {k="v",...} with the values escaped as the format asks
// (backslash, double quote, newline).
func labelString(keys, values []string, extra ...string) string {
	if len(keys) == 0 && len(extra) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	sep := ""
	write := func(k, v string) {
		b.WriteString(sep)
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(escapeValue(v))
		b.WriteByte('"')
		sep = ","
	}
	for i, k := range keys {
		write(k, values[i])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		write(extra[i], extra[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

var (
	valueEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeValue(s string) string { return valueEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
