package imap

import "strings"

// connState is a session state (RFC 9051 §3); handlers name the states in
// which they are valid as a mask.
type connState uint8

const (
	stateNotAuth connState = 1 << iota
	stateAuth
	stateSelected
	stateLogout

	anyState   = stateNotAuth | stateAuth | stateSelected
	authStates = stateAuth | stateSelected
)

// command is one command in progress.
type command struct {
	tag  string
	name string // upper case; "UID FETCH" for the UID forms
	// uid: the command came with the UID prefix (RFC 9051 §6.4.9), so
	// its numbers are UIDs; the UID forms share their run function with
	// the plain ones.
	uid bool
	// code and text make the tagged OK: "tag OK [code] text".
	code string
	text string
	// answered: run has sent the tagged response itself (STARTTLS).
	answered bool
}

// readName reads the command name after the tag, joining "UID" with the
// command it prefixes.
func (c *command) readName(p *parser) {
	c.name = strings.ToUpper(p.atom())
	if c.name == "UID" {
		p.sp()
		c.name += " " + strings.ToUpper(p.atom())
		c.uid = true
	}
}

// parseCommand parses a whole command without running it: the tag, the
// name and the arguments. The session uses the same steps with a state
// check between name and arguments; the fuzz target uses this.
func parseCommand(p *parser) (*command, any) {
	c := &command{tag: p.tag()}
	p.sp()
	c.readName(p)
	h := commands[c.name]
	if h == nil {
		xbad("unknown command %s", c.name)
	}
	return c, h.parse(p)
}

// stateError answers a command not valid in the session's state: BAD, as
// for any command the client should have known not to send (RFC 9051
// §6: "valid in ... state").
func stateError(st connState, name string) {
	switch {
	case st == stateNotAuth:
		xbad("%s: not authenticated; LOGIN or AUTHENTICATE first", name)
	case st == stateAuth && commands[name].states&stateNotAuth != 0:
		xbad("%s: already authenticated", name)
	case st == stateAuth:
		xbad("%s: no mailbox selected", name)
	case st == stateSelected && commands[name].states&stateNotAuth != 0:
		xbad("%s: already authenticated", name)
	default:
		xbad("%s: not valid in this state", name)
	}
}
