package imap

import "fmt"

// The engine reports protocol errors by panicking with one of these types;
// the session recovers them at the command boundary (session.go) and turns
// them into the tagged response. Any other panic is a bug: it is logged and
// the connection ends with BYE, since the output stream may be half written.

// badError becomes a tagged BAD: the command was malformed or not allowed in
// this state (RFC 9051 §7.1.5).
type badError struct{ msg string }

// noError becomes a tagged NO with an optional response code (RFC 9051
// §7.1.2, §7.1 for the codes).
type noError struct {
	code string // e.g. "TRYCREATE", "" for none
	msg  string
}

// byeError ends the connection with an untagged BYE (RFC 9051 §7.1.5).
type byeError struct{ msg string }

func (e badError) Error() string { return e.msg }
func (e noError) Error() string  { return e.msg }
func (e byeError) Error() string { return e.msg }

func xbad(format string, args ...any) {
	panic(badError{fmt.Sprintf(format, args...)})
}

func xno(code, format string, args ...any) {
	panic(noError{code: code, msg: fmt.Sprintf(format, args...)})
}

func xbye(format string, args ...any) {
	panic(byeError{fmt.Sprintf(format, args...)})
}
