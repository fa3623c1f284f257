package pop3

import (
	"bytes"
	"errors"
)

// Mechanism is the server side of one SASL mechanism (RFC 4422) as AUTH
// uses it. PLAIN and LOGIN are here; a SCRAM implementation plugs in
// through Config.Mechanisms.
type Mechanism interface {
	// Name is the mechanism's registered name, upper case.
	Name() string
	// SendsPassword says the password crosses the connection as it is:
	// such a mechanism is offered and taken only where the plaintext
	// policy allows (RFC 5034 §4 defers to RFC 4422 §3.8).
	SendsPassword() bool
	// Start begins one exchange; verify checks a user's password for
	// mechanisms that carry one.
	Start(verify Verifier) Exchange
}

// Verifier checks a password of a user name as the client wrote it.
type Verifier func(user, pass string) (bool, error)

// Exchange is one run of a mechanism.
type Exchange interface {
	// Next takes the client's response (the initial one first, nil when
	// the client sent none) and returns the next challenge, or done. An
	// error ends the exchange: ErrAuthFailed for wrong credentials,
	// ErrUnavailable (wrapped) when they could not be checked, anything
	// else a malformed response, whose text the client reads.
	Next(response []byte) (challenge []byte, done bool, err error)
	// Identity is, once done, who authenticated and the identity they
	// asked to act as ("" = themselves).
	Identity() (authcid, authzid string)
}

var (
	// ErrAuthFailed: the credentials are wrong (-ERR [AUTH], RFC 3206 §4).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrUnavailable: the credentials could not be checked now
	// (-ERR [SYS/TEMP], RFC 3206 §4).
	ErrUnavailable = errors.New("authentication is temporarily unavailable")
)

// PasswordMechanisms are PLAIN (RFC 4616) and LOGIN, the two chapar's
// IMAP and ManageSieve offer.
func PasswordMechanisms() []Mechanism { return []Mechanism{plainMech{}, loginMech{}} }

type plainMech struct{}

func (plainMech) Name() string                   { return "PLAIN" }
func (plainMech) SendsPassword() bool            { return true }
func (plainMech) Start(verify Verifier) Exchange { return &plainExchange{verify: verify} }

type plainExchange struct {
	verify       Verifier
	asked        bool
	authc, authz string
}

func (e *plainExchange) Next(resp []byte) ([]byte, bool, error) {
	if resp == nil && !e.asked {
		// RFC 4616 §2: the server's challenge is empty.
		e.asked = true
		return []byte{}, false, nil
	}
	// RFC 4616 §2: authzid NUL authcid NUL passwd.
	parts := bytes.Split(resp, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return nil, false, errors.New("malformed PLAIN response")
	}
	if err := check(e.verify, string(parts[1]), string(parts[2])); err != nil {
		return nil, false, err
	}
	e.authc, e.authz = string(parts[1]), string(parts[0])
	return nil, true, nil
}

func (e *plainExchange) Identity() (string, string) { return e.authc, e.authz }

type loginMech struct{}

func (loginMech) Name() string                   { return "LOGIN" }
func (loginMech) SendsPassword() bool            { return true }
func (loginMech) Start(verify Verifier) Exchange { return &loginExchange{verify: verify} }

// loginExchange is the LOGIN mechanism (draft-murchison-sasl-login):
// "Username:" and "Password:" challenges, the user name possibly sent as
// the initial response.
type loginExchange struct {
	verify Verifier
	step   int
	user   string
}

func (e *loginExchange) Next(resp []byte) ([]byte, bool, error) {
	switch e.step {
	case 0:
		e.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		e.user, e.step = string(resp), 2
		return []byte("Password:"), false, nil
	}
	if err := check(e.verify, e.user, string(resp)); err != nil {
		return nil, false, err
	}
	return nil, true, nil
}

func (e *loginExchange) Identity() (string, string) { return e.user, "" }

func check(verify Verifier, user, pass string) error {
	ok, err := verify(user, pass)
	if err != nil {
		return errors.Join(ErrUnavailable, err)
	}
	if !ok {
		return ErrAuthFailed
	}
	return nil
}
