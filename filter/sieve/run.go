package sieve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"chapar/message"
)

// Location is where an included script lives (RFC 6609 §3.2).
type Location uint8

const (
	Personal Location = iota // the user's own scripts
	Global                   // the site's scripts (store.GlobalSieveUser)
)

func (l Location) String() string {
	if l == Global {
		return "global"
	}
	return "personal"
}

// ErrNoScript is what Host.Include returns for a script that does not
// exist: include :optional then does nothing (RFC 6609 §3.2).
var ErrNoScript = errors.New("sieve: no such script")

// Host is what a Run asks of the world: the store and the clock.
type Host interface {
	// MailboxExists answers mailboxexists (RFC 5490 §3.1) for the user.
	MailboxExists(ctx context.Context, name string) (bool, error)
	// Include returns the text of a script (RFC 6609), or ErrNoScript.
	Include(ctx context.Context, loc Location, name string) ([]byte, error)
	// DuplicateCheck reports whether key was recorded within period, and
	// records it now (the store's SieveMark): used by duplicate (RFC 7352;
	// last asks that the period run from this sighting, §3.5) and by
	// vacation's once-per-period rule (RFC 5230 §4.2).
	DuplicateCheck(ctx context.Context, key string, period time.Duration, last bool) (seen bool, err error)
	// Environment returns an environment item (RFC 5183 §4) the host knows
	// (domain, host, remote-host, remote-ip, version); Run answers
	// location, name and phase itself.
	Environment(name string) (string, bool)
	// Now is the current time, for currentdate (RFC 5260 §5).
	Now() time.Time
}

// Envelope is the SMTP/LMTP envelope of the recipient being filtered.
type Envelope struct {
	// From is the reverse-path, "" for the null sender <>.
	From string
	// To is the recipient address as given, +detail included.
	To string
	// Auth is the authenticated submitter, if any.
	Auth string
}

// errStop ends the whole run (RFC 5228 §3.3); errReturn ends the current
// included script (RFC 6609 §3.4).
var (
	errStop   = errors.New("stop")
	errReturn = errors.New("return")
)

// RunError is a run-time error: the caller keeps the message.
type RunError struct{ Msg string }

func (e *RunError) Error() string { return "sieve run: " + e.Msg }

func runErrorf(format string, args ...any) error {
	return &RunError{Msg: fmt.Sprintf(format, args...)}
}

// run is the state of one Run.
type run struct {
	ctx    context.Context
	root   *Script
	script *Script // the script being executed (an include changes it)
	host   Host
	env    Envelope
	msg    []byte
	hdr    headerView
	part   *message.Part // the parsed MIME tree, made on first body test

	vars       map[string]string // the current script's local variables
	globals    map[string]string
	globalName map[string]bool // names the current script declared global
	matchVars  []string
	flags      []string // the internal flags variable (RFC 5232 §3)

	actions       []Action
	keepCancelled bool
	redirects     int
	steps         int
	now           time.Time

	chain    []string        // includes being executed, for cycles
	included map[string]bool // includes done, for :once
}

// Run runs the script against one message for one recipient. On a
// run-time error the Result holds the implicit keep alone and the error is
// returned for the caller to log (RFC 5228 §2.10.6).
func (s *Script) Run(ctx context.Context, msg []byte, env Envelope, host Host) (*Result, error) {
	r := &run{ctx: ctx, root: s, script: s, host: host, env: env, msg: msg}
	r.hdr.init(msg)
	err := r.execBlock(s.cmds)
	if errors.Is(err, errStop) || errors.Is(err, errReturn) {
		err = nil
	}
	if err != nil {
		return &Result{Actions: []Action{Keep{Implicit: true}}}, err
	}
	res := &Result{Actions: r.actions, Header: r.hdr.edited()}
	// RFC 5228 §2.10.2: the implicit keep stands unless an action
	// cancelled it; RFC 5232 §3 gives it the current flags.
	// RFC 5228 §2.10.3: not a second copy in INBOX when a fileinto :copy
	// already put one there.
	if !r.keepCancelled && !slices.ContainsFunc(r.actions, intoInbox) {
		res.Actions = append(res.Actions, Keep{Flags: cloneFlags(r.flags), Implicit: true})
	}
	return res, nil
}

// step counts one unit of work and cuts off a script that takes too many,
// or whose caller gave up.
func (r *run) step() error { return r.stepN(1) }

func (r *run) stepN(n int) error {
	before := r.steps
	r.steps += n
	if r.steps > r.root.opts.MaxSteps {
		return runErrorf("script ran past %d steps", r.root.opts.MaxSteps)
	}
	if r.steps>>10 != before>>10 {
		if err := r.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// variable reads a variable (RFC 5229 §3): a match variable by number, a
// global by "global." (RFC 6609 §3.5) or declaration, else a local.
func (r *run) variable(name string) string {
	if isDigits(name) {
		n := 0
		for i := 0; i < len(name) && n < 100; i++ {
			n = n*10 + int(name[i]-'0')
		}
		if n < len(r.matchVars) {
			return r.matchVars[n]
		}
		return ""
	}
	if g, ok := strings.CutPrefix(name, "global."); ok {
		return r.globals[g]
	}
	if r.globalName[name] {
		return r.globals[name]
	}
	return r.vars[name]
}

func (r *run) setVariable(name, value string) {
	if g, ok := strings.CutPrefix(name, "global."); ok {
		name = g
	} else if !r.globalName[name] {
		if r.vars == nil {
			r.vars = map[string]string{}
		}
		r.vars[name] = value
		return
	}
	if r.globals == nil {
		r.globals = map[string]string{}
	}
	r.globals[name] = value
}

// currentTime is the host's clock, read once per run so that every date
// in the run agrees.
func (r *run) currentTime() time.Time {
	if r.now.IsZero() {
		r.now = r.host.Now()
	}
	return r.now
}

func cloneFlags(f []string) []string {
	if len(f) == 0 {
		return nil
	}
	return append([]string(nil), f...)
}
