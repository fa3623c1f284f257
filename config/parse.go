package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ParseError is a bad line or value, or (from Validate) a bad combination.
// Line is 0 when the problem is not tied to a line of a file.
type ParseError struct {
	File string
	Line int
	Key  string // empty when the line has no usable key
	Msg  string
}

func (e *ParseError) Error() string {
	s := position(e.File, e.Line)
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

const (
	// maxLine bounds memory on a file that is not a config file at all;
	// real options are far shorter.
	maxLine = 1 << 20
	// maxErrors stops a binary file from producing a wall of errors: the
	// first few say what is wrong.
	maxErrors = 20
)

// Load reads the configuration file at path. Messages name the file as
// given, so a relative path stays relative in them.
func Load(path string) (*Config, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads imapd.conf syntax from r; name is used in messages. Defaults
// are applied first, then the file; the paths derived from configdirectory
// (default partition, LMTP socket, admin socket) follow a configdirectory
// set anywhere in the file unless they are set themselves. Every bad line is
// reported (up to a limit), joined into one error, and no Config is
// returned then. Parse does not call Validate.
func Parse(r io.Reader, name string) (*Config, []Warning, error) {
	p := &parser{cfg: Default(), name: name, seen: map[string]int{}}
	p.cfg.file = name
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for len(p.errs) < maxErrors && sc.Scan() {
		p.line++
		p.parseLine(sc.Text())
	}
	if len(p.errs) >= maxErrors && sc.Scan() {
		p.errs = append(p.errs, &ParseError{File: name, Msg: "too many errors; stopped reading"})
	}
	if err := sc.Err(); err != nil {
		msg := err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			msg = fmt.Sprintf("line longer than %d bytes", maxLine)
		}
		p.errs = append(p.errs, &ParseError{File: name, Line: p.line + 1, Msg: msg})
	}
	if len(p.errs) > 0 {
		return nil, p.warns, errors.Join(p.errs...)
	}
	_, lmtp := p.seen["lmtp_listen"]
	_, admin := p.seen["admin_socket"]
	p.cfg.derive(!p.partitions, !lmtp, !admin)
	p.derivePOP3Listen()
	return p.cfg, p.warns, nil
}

// parser is the state of one Parse call.
type parser struct {
	cfg        *Config
	name       string
	line       int
	seen       map[string]int // key -> line it was last set on
	partitions bool           // a partition-NAME replaced the default partition
	warns      []Warning
	errs       []error
}

// warn records a warning against the current line.
func (p *parser) warn(msg string) {
	p.warns = append(p.warns, Warning{File: p.name, Line: p.line, Msg: msg})
}

func (p *parser) fail(key, msg string) {
	p.errs = append(p.errs, &ParseError{File: p.name, Line: p.line, Key: key, Msg: msg})
}

func (p *parser) parseLine(text string) {
	text = strings.TrimSpace(text)
	// Like Cyrus, "#" starts a comment only at the start of a line, so a
	// value may contain one.
	if text == "" || text[0] == '#' {
		return
	}
	k, v, ok := strings.Cut(text, ":")
	if !ok {
		p.fail("", fmt.Sprintf(`expected "key: value", got %s`, quote(text)))
		return
	}
	key := strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if key == "@include" {
		p.fail("", "@include is not supported; copy the options into this file")
		return
	}
	if !validKey(key) {
		p.fail("", fmt.Sprintf("invalid option name %s (letters, digits, \"_\" and \"-\" only)", quote(k)))
		return
	}
	written := key
	if name, ok := aliasKeys[key]; ok {
		p.warn(fmt.Sprintf("option %q is an alias of %q", key, name))
		key = name
	}
	prev, dup := p.seen[key]
	if dup {
		p.warn(fmt.Sprintf("duplicate option %q (also set on line %d); the last value wins", key, prev))
	}
	p.seen[key] = p.line
	p.cfg.lines[key] = p.line

	if name, ok := strings.CutPrefix(key, "partition-"); ok {
		p.setPartition(key, name, v)
		return
	}
	if opt, ok := knownKeys[key]; ok {
		if err := opt.set(p, v); err != nil {
			p.fail(written, err.Error())
		}
		return
	}
	if ni, ok := notImplementedKeys[key]; ok {
		if ni.check != nil {
			if err := ni.check(v); err != nil {
				p.fail(key, err.Error())
				return
			}
		}
		// Once per option: a duplicate has been warned about already.
		if !dup {
			p.warn(notImplementedWarning(key, ni))
		}
		return
	}
	if repl, ok := replacedKeys[key]; ok {
		p.warn(fmt.Sprintf("option %q is not used by chapar; use %s instead", key, repl))
	} else {
		p.warn(fmt.Sprintf("unknown option %q", key))
	}
}

// setPartition handles partition-NAME. The first one replaces the default
// partition: a file that names its partitions means exactly those.
func (p *parser) setPartition(key, name, v string) {
	if name == "" {
		p.fail(key, "expected partition-NAME with a name")
		return
	}
	if v == "" {
		p.fail(key, "expected a path, got an empty value")
		return
	}
	if !p.partitions {
		p.partitions = true
		p.cfg.Partitions = map[string]string{}
	}
	p.cfg.Partitions[name] = v
}

// validKey accepts the characters Cyrus allows in option names.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
