package store

import "strings"

// System flags (RFC 9051 §2.3.2), in their canonical spelling.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

var systemFlags = map[string]string{
	`\seen`: FlagSeen, `\answered`: FlagAnswered, `\flagged`: FlagFlagged,
	`\deleted`: FlagDeleted, `\draft`: FlagDraft,
}

// CanonicalFlag spells a system flag canonically; keywords are kept as given.
func CanonicalFlag(f string) string {
	if c, ok := systemFlags[strings.ToLower(f)]; ok {
		return c
	}
	return f
}

// hasFlag reports whether flags holds f; flags compare case-insensitively.
func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// normalizeFlags canonicalises and removes duplicates, keeping order.
func normalizeFlags(flags []string) []string {
	var out []string
	for _, f := range flags {
		f = CanonicalFlag(f)
		if f == "" || hasFlag(out, f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// FlagOp says how STORE combines the given flags with the present ones.
type FlagOp int

// The three STORE forms (RFC 9051 §6.4.6).
const (
	FlagsReplace FlagOp = iota // FLAGS
	FlagsAdd                   // +FLAGS
	FlagsRemove                // -FLAGS
)

// applyFlags returns the new flag list and whether it differs from old.
func applyFlags(old []string, op FlagOp, flags []string) ([]string, bool) {
	var next []string
	switch op {
	case FlagsReplace:
		next = normalizeFlags(flags)
	case FlagsAdd:
		next = normalizeFlags(append(append([]string(nil), old...), flags...))
	case FlagsRemove:
		for _, f := range old {
			if !hasFlag(flags, f) {
				next = append(next, f)
			}
		}
	}
	if len(next) != len(old) {
		return next, true
	}
	for _, f := range next {
		if !hasFlag(old, f) {
			return next, true
		}
	}
	return old, false
}

// countDelta adjusts the unseen and deleted counters for a flag change.
func countDelta(st *MailboxState, old, next []string) {
	if hasFlag(old, FlagSeen) != hasFlag(next, FlagSeen) {
		if hasFlag(next, FlagSeen) {
			st.Unseen--
		} else {
			st.Unseen++
		}
	}
	if hasFlag(old, FlagDeleted) != hasFlag(next, FlagDeleted) {
		if hasFlag(next, FlagDeleted) {
			st.Deleted++
		} else {
			st.Deleted--
		}
	}
}
