// Package metrics keeps counters, gauges and histograms in memory and
// writes them in Prometheus's text exposition format (version 0.0.4), so
// that an operator's Prometheus can scrape /metrics without chapar taking
// on the Prometheus client library for a few dozen series.
//
// A Registry is made by the process and handed to each part in its config
// struct (no global registry). Every method is safe on a nil receiver and
// then does nothing, so a part built without metrics (a test, a tool)
// needs no branch.
package metrics
