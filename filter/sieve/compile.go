package sieve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/foxcpp/go-sieve/lexer"
	"github.com/foxcpp/go-sieve/parser"
)

// CompileOptions bound what a script may be and do. Zero fields take the
// defaults below, which are Cyrus's where Cyrus has one.
type CompileOptions struct {
	// Extensions is the enabled set (Cyrus's sieve_extensions); nil is
	// every extension chapar implements.
	Extensions []Extension
	// MaxScriptSize is the largest script in bytes (Cyrus's
	// sieve_maxscriptsize, 32K).
	MaxScriptSize int
	// MaxNesting bounds block nesting and test nesting, each (15).
	MaxNesting int
	// MaxSteps is how many commands, tests and comparisons one Run may
	// take before it is cut off with an error (100000).
	MaxSteps int
	// MaxRedirects is how many redirects one Run may ask for (Cyrus's
	// sieve_maxredirects default: 5).
	MaxRedirects int
	// MaxIncludeDepth bounds nested includes (RFC 6609 §3.2 asks for a
	// limit; Cyrus uses 5... chapar 10).
	MaxIncludeDepth int
}

// Defaults for the zero fields of CompileOptions.
const (
	DefaultMaxScriptSize   = 32 * 1024
	DefaultMaxNesting      = 15
	DefaultMaxSteps        = 100000
	DefaultMaxRedirects    = 5
	DefaultMaxIncludeDepth = 10
	maxTokens              = 20000
)

func (o CompileOptions) withDefaults() CompileOptions {
	if o.MaxScriptSize <= 0 {
		o.MaxScriptSize = DefaultMaxScriptSize
	}
	if o.MaxNesting <= 0 {
		o.MaxNesting = DefaultMaxNesting
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.MaxIncludeDepth <= 0 {
		o.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	return o
}

// Error is a compile error at a line of the script, as ManageSieve's
// CHECKSCRIPT and PUTSCRIPT report it (RFC 5804 §2.6, §2.12).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Script is a compiled script, safe for concurrent Runs.
type Script struct {
	opts     CompileOptions
	enabled  map[string]bool
	requires map[string]bool
	cmds     []command
	// globals are the names this script declared with "global" (RFC 6609
	// §3.5) at its top level; nested declarations are handled at run time.
	includes *includeCache
}

// Requires reports whether the script required ext.
func (s *Script) Requires(ext Extension) bool { return s.requires[ext] }

// includeCache keeps compiled included scripts by their text, shared by a
// script and everything it includes, so that a delivery does not compile
// the same global script again.
type includeCache struct {
	mu      sync.Mutex
	scripts map[string]*Script
}

func (c *includeCache) compile(src []byte, opts CompileOptions) (*Script, error) {
	c.mu.Lock()
	s, ok := c.scripts[string(src)]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := compileWith(src, opts, c)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.scripts) > 64 { // scripts change rarely; don't grow without end
		clear(c.scripts)
	}
	c.scripts[string(src)] = s
	c.mu.Unlock()
	return s, nil
}

// Compile parses and checks a script. The error is an *Error naming the
// line for anything wrong with the script itself.
func Compile(src []byte, opts CompileOptions) (*Script, error) {
	return compileWith(src, opts, &includeCache{scripts: map[string]*Script{}})
}

func compileWith(src []byte, opts CompileOptions, cache *includeCache) (*Script, error) {
	opts = opts.withDefaults()
	if len(src) > opts.MaxScriptSize {
		return nil, &Error{Line: 1, Msg: fmt.Sprintf("script is %d bytes, more than the limit of %d", len(src), opts.MaxScriptSize)}
	}
	toks, err := lexer.Lex(bytes.NewReader(src), &lexer.Options{MaxTokens: maxTokens})
	if err != nil {
		// Lex again a byte at a time, only to learn where it failed.
		cr := &byteReader{src: src}
		if _, again := lexer.Lex(cr, &lexer.Options{MaxTokens: maxTokens}); again != nil {
			err = again
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, &Error{Line: lastLine(src), Msg: "unexpected end of script (unterminated string or comment?)"}
		}
		return nil, &Error{Line: lineAt(src, cr.off), Msg: err.Error()}
	}
	for _, t := range toks {
		if n, ok := t.(lexer.Number); ok && (n.Value < 0 || n.Value > (1<<40)/n.Quantifier.Multiplier()) {
			return nil, &Error{Line: n.Line, Msg: "number too large"}
		}
	}
	cmds, err := parser.Parse(lexer.NewStream(toks), &parser.Options{MaxBlockNesting: opts.MaxNesting, MaxTestNesting: opts.MaxNesting})
	if err != nil {
		return nil, parseError(err, lastLine(src))
	}
	s := &Script{opts: opts, enabled: enabledSet(opts.Extensions), requires: map[string]bool{}, includes: cache}
	l := &loader{s: s}
	s.cmds, err = l.block(cmds, true)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// byteReader hands the lexer one byte per Read, so that when the lexer
// fails, off says how far it read: go-sieve's lexer errors carry no
// position, and CHECKSCRIPT needs the line.
type byteReader struct {
	src []byte
	off int
}

func (r *byteReader) Read(p []byte) (int, error) {
	if r.off >= len(r.src) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.src[r.off]
	r.off++
	return 1, nil
}

// lineAt is the 1-based line of byte offset off.
func lineAt(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return 1 + bytes.Count(src[:off], []byte{'\n'})
}

// lastLine is the line of the script's last non-blank character, where an
// error found at its end (a missing brace) is reported.
func lastLine(src []byte) int {
	return lineAt(src, len(bytes.TrimRight(src, " \t\r\n")))
}

// parseError turns go-sieve's "line:col: text" into an *Error; an error
// without a position is at the end of the script (a missing brace).
func parseError(err error, endLine int) error {
	msg := err.Error()
	if lc, text, ok := strings.Cut(msg, ": "); ok {
		if l, _, ok := strings.Cut(lc, ":"); ok {
			if n, err := strconv.Atoi(l); err == nil && n > 0 {
				return &Error{Line: n, Msg: text}
			}
		}
	}
	return &Error{Line: endLine, Msg: msg}
}

// errAt builds a compile error at a node of the tree.
func errAt(pos lexer.Position, format string, args ...any) error {
	return &Error{Line: pos.Line, Msg: fmt.Sprintf(format, args...)}
}
