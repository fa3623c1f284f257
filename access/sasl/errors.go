package sasl

import "errors"

// What went wrong, for the protocol to map onto its answers; each error
// Start, Next, Run, Password and Authorize return wraps at most one, with
// the detail for the log. Other errors are the backend's (try later).
var (
	// ErrUnsupported: the mechanism is unknown, not in sasl_mech_list, or
	// not available on this connection (a -PLUS one without TLS).
	ErrUnsupported = errors.New("mechanism not supported")
	// ErrNeedTLS: the mechanism is offered, but not on this connection
	// before STARTTLS (allowplaintext, sasl_minimum_layer).
	ErrNeedTLS = errors.New("mechanism needs TLS on this connection")
	// ErrMalformed: the client's message breaks the mechanism's grammar.
	ErrMalformed = errors.New("malformed client message")
	// ErrAuthFailed: the client did not prove who it claims to be: wrong
	// password or proof, unknown user, no SCRAM keys, a nonce or channel
	// binding that does not match. A failed login for the throttle.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNotAuthorized: authenticated, but may not act as the
	// authorization identity asked for.
	ErrNotAuthorized = errors.New("not authorized")
)
