package sasl

import (
	"errors"
	"fmt"

	"chapar/store"
)

// Server is one exchange of a mechanism, server side (RFC 4422 §3).
type Server interface {
	// Next takes the client's response and gives the next challenge.
	// nil response means the client has sent none yet (no initial
	// response: SASL-IR, RFC 4959), an empty one is []byte{}. done with a
	// challenge is additional data with success (SCRAM's server-final
	// message), which the protocol sends in its success answer or, where
	// it has none, as one more challenge answered empty (Run).
	Next(response []byte) (challenge []byte, done bool, err error)
	// Identity is who the client claims to be so far: after success, who
	// it proved to be; after ErrAuthFailed, the user to charge the failure
	// to.
	Identity() Identity
}

// Identity is the outcome of an exchange.
type Identity struct {
	// User is the authentication identity, with Config.Canonical applied.
	User string
	// Authz is the authorization identity the client asked for, as it
	// sent it; "" means User.
	Authz string
}

// Run drives s to its end: initial is the client's initial response (nil
// for none), step sends a challenge and reads the answer (its error, such
// as a cancel, ends the exchange as it is). When the protocol can carry
// additional data with success in its success answer (ManageSieve's
// "OK (SASL ...)", RFC 5804 §2.1), successData says so and Run returns
// it; otherwise RFC 4422 §5's rule applies: the data goes as one more
// challenge, and the client must answer it empty (IMAP, POP3).
func Run(s Server, initial []byte, successData bool, step func(challenge []byte) ([]byte, error)) (extra []byte, err error) {
	resp := initial
	for {
		challenge, done, err := s.Next(resp)
		if err != nil {
			return nil, err
		}
		if done {
			if challenge == nil || successData {
				return challenge, nil
			}
			last, err := step(challenge)
			if err != nil {
				return nil, err
			}
			if len(last) != 0 {
				return nil, fmt.Errorf("%w: answer to the final challenge is not empty", ErrMalformed)
			}
			return nil, nil
		}
		if resp, err = step(challenge); err != nil {
			return nil, err
		}
		if resp == nil {
			resp = []byte{}
		}
	}
}

// Password checks a user name and password as PLAIN and LOGIN do, for
// the protocols' own password commands (IMAP LOGIN, POP3 USER/PASS).
func (c *Config) Password(name, password string) (Identity, error) {
	id := Identity{User: c.canonical(name)}
	if c == nil || c.CheckPassword == nil {
		return id, fmt.Errorf("%w: no password check configured", ErrAuthFailed)
	}
	ok, err := c.CheckPassword(id.User, password)
	switch {
	case errors.Is(err, store.ErrNoUser):
		return id, fmt.Errorf("%w: %s: %w", ErrAuthFailed, id.User, err)
	case err != nil:
		return id, fmt.Errorf("password check of %s: %w", id.User, err)
	case !ok:
		return id, fmt.Errorf("%w: %s: wrong password", ErrAuthFailed, id.User)
	}
	return id, nil
}

// Authorize is the user a session authenticated as id acts as: User, or,
// when Authz names another user, that one if isAdmin(User) says User is
// an administrator (Cyrus lets its admins act as any user; RFC 4616 §2).
func (c *Config) Authorize(id Identity, isAdmin func(user string) bool) (string, error) {
	if id.Authz == "" {
		return id.User, nil
	}
	as := c.canonical(id.Authz)
	if as == id.User {
		return as, nil
	}
	if isAdmin == nil || !isAdmin(id.User) {
		return "", fmt.Errorf("%w: %s may not act as %s", ErrNotAuthorized, id.User, as)
	}
	return as, nil
}
