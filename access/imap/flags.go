package imap

import (
	"strings"

	"chapar/store"
)

// Flags as clients send them (RFC 9051 §2.3.2, §9 flag): the system flags
// spelled canonically, keywords as atoms. \Recent cannot be set, and other
// backslash names are not flags.

func (p *parser) flag() string {
	if p.maybe('\\') {
		name := `\` + p.atom()
		f := store.CanonicalFlag(name)
		if !isSystemFlag(f) {
			if strings.EqualFold(name, `\Recent`) {
				xbad(`\Recent cannot be set`)
			}
			xbad("unknown system flag %s", name)
		}
		return f
	}
	return p.atom()
}

func isSystemFlag(f string) bool {
	switch f {
	case store.FlagSeen, store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagDraft:
		return true
	}
	return false
}

// flagList reads "(" [flag *(SP flag)] ")".
func (p *parser) flagList() []string {
	flags := []string{}
	p.list(true, func() { flags = append(flags, p.flag()) })
	return flags
}
