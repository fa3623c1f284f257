package sieve

import "strings"

// Extension names a Sieve capability (RFC 5228 §3.2 require strings).
type Extension = string

// allExtensions lists what chapar implements, in the order Cyrus 3.6's
// sieve_listextensions advertises them (sieve/interp.c): the SIEVE
// capability line of ManageSieve (RFC 5804 §1.7) reads in this order.
var allExtensions = []Extension{
	"encoded-character",
	"comparator-i;ascii-numeric",
	"fileinto",
	"reject", "ereject",
	"vacation", "vacation-seconds",
	"enotify",
	"include",
	"editheader",
	"envelope",
	"environment",
	"body",
	"imap4flags",
	"date",
	"mailbox",
	"duplicate",
	"relational",
	"regex",
	"subaddress",
	"copy",
	"index",
	"variables",
}

// baseCapabilities may be required by every script and cannot be switched
// off: RFC 5228 §2.7.3 makes i;octet and i;ascii-casemap mandatory, and
// Cyrus keeps encoded-character and i;ascii-numeric always on
// (extension_isactive in sieve/interp.c).
var baseCapabilities = map[string]bool{
	"comparator-i;octet":         true,
	"comparator-i;ascii-casemap": true,
	"comparator-i;ascii-numeric": true,
	"encoded-character":          true,
}

// cyrusNames maps the names Cyrus's sieve_extensions takes where they
// differ from the require strings.
var cyrusNames = map[string]string{"notify": "enotify", "vacation_seconds": "vacation-seconds"}

// NotifyMethods are the enotify URI schemes chapar delivers (RFC 5435
// §2.1); ManageSieve advertises them as the NOTIFY capability.
var NotifyMethods = []string{"mailto"}

// AllExtensions returns every extension chapar implements, in the order of
// Capabilities.
func AllExtensions() []Extension {
	return append([]Extension(nil), allExtensions...)
}

// Capabilities returns the SIEVE capability strings for the enabled set,
// in Cyrus's order; a nil set means all. Names not implemented are left out.
func Capabilities(enabled []Extension) []string {
	on := enabledSet(enabled)
	out := make([]string, 0, len(allExtensions))
	for _, e := range allExtensions {
		if on[e] {
			out = append(out, e)
		}
	}
	return out
}

// enabledSet turns a list of names (require strings, or Cyrus's
// sieve_extensions names) into a set of implemented ones; nil is all of
// them. As in Cyrus, "vacation-seconds" brings "vacation" with it.
func enabledSet(enabled []Extension) map[string]bool {
	on := make(map[string]bool, len(allExtensions)+len(baseCapabilities))
	for k := range baseCapabilities {
		on[k] = true
	}
	if enabled == nil {
		for _, e := range allExtensions {
			on[e] = true
		}
		return on
	}
	known := make(map[string]bool, len(allExtensions))
	for _, e := range allExtensions {
		known[e] = true
	}
	for _, e := range enabled {
		e = strings.ToLower(strings.TrimSpace(e))
		if c, ok := cyrusNames[e]; ok {
			e = c
		}
		if known[e] {
			on[e] = true
		}
	}
	if on["vacation-seconds"] {
		on["vacation"] = true
	}
	return on
}
