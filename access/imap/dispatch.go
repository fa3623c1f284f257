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
	// code and text make the tagged OK: "tag OK [code] text".
	code string
	text string
	// answered: run has sent the tagged response itself (STARTTLS).
	answered bool
}

// handler is one entry of the command table: the states where the command
// is valid, how its arguments are parsed, and what it does. parse reads
// everything up to the end of the command (literals included) before run
// starts, so that a malformed command changes nothing.
type handler struct {
	states connState
	parse  func(p *parser) any
	run    func(s *session, c *command, args any)
	// holdExpunge: no EXPUNGE may be sent at the end of this command
	// (RFC 9051 §7.5.1: FETCH, STORE and SEARCH by sequence number).
	holdExpunge bool
	// noSync: the command manages the selected mailbox itself (SELECT,
	// CLOSE, ...), so no updates are sent when it ends.
	noSync bool
}

var commands = map[string]*handler{}

// register adds a command; its argument type A ties parse to run.
func register[A any](name string, states connState, parse func(p *parser) A, run func(s *session, c *command, a A)) *handler {
	h := &handler{
		states: states,
		parse:  func(p *parser) any { return parse(p) },
		run:    func(s *session, c *command, a any) { run(s, c, a.(A)) },
	}
	commands[name] = h
	return h
}

// noArgs is the parse function of a command without arguments.
func noArgs(p *parser) struct{} {
	p.end()
	return struct{}{}
}

// readCommandName reads the command name after the tag, joining "UID" with
// the command it prefixes.
func readCommandName(p *parser) string {
	name := strings.ToUpper(p.atom())
	if name == "UID" {
		p.sp()
		name += " " + strings.ToUpper(p.atom())
	}
	return name
}

// parseCommand parses a whole command without running it: the tag, the
// name and the arguments. The session uses the same steps with a state
// check between name and arguments; the fuzz target uses this.
func parseCommand(p *parser) (*command, any) {
	c := &command{tag: p.tag()}
	p.sp()
	c.name = readCommandName(p)
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
