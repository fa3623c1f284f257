package metrics

import (
	"fmt"
	"strings"
)

// Sample is one value a collector reads at scrape time.
type Sample struct {
	Labels []string // values, in the order of the family's label names
	Value  float64
}

// collector is a family whose values are read when scraped, for what is
// cheaper to ask than to count: sessions open, a consumer's backlog.
type collector struct {
	help, typ string
	labels    []string
	read      func() []Sample
}

func (c *collector) header() (string, string) { return c.help, c.typ }

func (c *collector) write(b *strings.Builder, name string) {
	for _, s := range c.read() {
		if len(s.Labels) != len(c.labels) {
			continue
		}
		fmt.Fprintf(b, "%s%s %s\n", name, labelString(c.labels, s.Labels), formatFloat(s.Value))
	}
}

// GaugeFunc registers a gauge family read by fn at each scrape.
func (r *Registry) GaugeFunc(name, help string, labels []string, fn func() []Sample) {
	if r == nil {
		return
	}
	r.register(name, &collector{help: help, typ: "gauge", labels: labels, read: fn})
}
