package sasl

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"chapar/store"
)

// Config is a protocol server's SASL setting, shared by its connections.
type Config struct {
	// Mechanisms is sasl_mech_list: what may be offered and accepted, in
	// the order offered; nil means DefaultMechanisms. Names chapar does not
	// implement are ignored, as libsasl ignores mechanisms it has no
	// plugin for.
	Mechanisms []string
	// Canonical maps the name a client logs in with to the user it means
	// (store.UserRule: virtdomains, defaultdomain); nil keeps it.
	Canonical func(string) string
	// CheckPassword verifies a password (PLAIN, LOGIN and the protocols'
	// own password commands); an error wrapping store.ErrNoUser is a
	// failed login, any other the backend failing.
	CheckPassword func(user, password string) (bool, error)
	// SCRAMKeys looks up a user's keys for a hash ("SHA-1", "SHA-256");
	// store.ErrNoUser and store.ErrNoSCRAMKeys fail the login (after the
	// whole exchange, so that an unknown user looks like a wrong
	// password); nil disables SCRAM.
	SCRAMKeys func(user, hash string) (store.SCRAMKeys, error)
	// DecoyIterations is the iteration count told to a client naming an
	// unknown user, so that it matches the real users'; 0 means
	// store.DefaultSCRAMIterations.
	DecoyIterations int

	// nonce, set by tests, replaces the random server nonce.
	nonce func() string
}

// Conn is what the mechanisms need to know of one connection.
type Conn struct {
	// TLS is the connection's TLS state once the handshake is done; nil
	// before STARTTLS.
	TLS *tls.ConnectionState
	// ServerCert is the DER certificate the server presents, for the
	// tls-server-end-point binding; nil leaves that binding out.
	ServerCert []byte
	// PlaintextOK: a password may cross this connection (the
	// allowplaintext rule, connorigin.Policy), so PLAIN and LOGIN may be
	// used. Where it is false IMAP says LOGINDISABLED.
	PlaintextOK bool
	// HashedOK: SCRAM, which never sends the password, may be used. It is
	// false only where sasl_minimum_layer asks for a security layer and
	// there is no TLS: SCRAM has none, as in Cyrus.
	HashedOK bool
}

func (c *Config) mechanisms() []string {
	if c.Mechanisms == nil {
		return DefaultMechanisms
	}
	return c.Mechanisms
}

// configured says whether mech (upper case) is in sasl_mech_list.
func (c *Config) configured(mech string) bool {
	return Known(mech) && slices.ContainsFunc(c.mechanisms(), func(m string) bool { return strings.EqualFold(m, mech) })
}

// Offer lists the mechanisms to advertise on conn, in sasl_mech_list's
// order, each once, in upper case. A nil Config offers none.
func (c *Config) Offer(conn Conn) []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, m := range c.mechanisms() {
		m = strings.ToUpper(m)
		if Known(m) && !slices.Contains(out, m) && c.check(m, conn) == nil {
			out = append(out, m)
		}
	}
	return out
}

// check says why mech may not be used on conn, or nil.
func (c *Config) check(mech string, conn Conn) error {
	hash, plus := scramHash(mech)
	switch {
	case !c.configured(mech):
		return fmt.Errorf("%w: %s", ErrUnsupported, mech)
	case hash != "" && c.SCRAMKeys == nil:
		return fmt.Errorf("%w: %s: no SCRAM keys to check against", ErrUnsupported, mech)
	case plus && conn.TLS == nil:
		// RFC 5802 §6: a -PLUS mechanism is offered only where there is
		// a channel to bind to.
		return fmt.Errorf("%w: %s needs TLS", ErrUnsupported, mech)
	case plaintext(mech) && !conn.PlaintextOK:
		return fmt.Errorf("%w: %s sends the password", ErrNeedTLS, mech)
	case !plaintext(mech) && !conn.HashedOK:
		return fmt.Errorf("%w: %s has no security layer", ErrNeedTLS, mech)
	}
	return nil
}

// Start begins an exchange of mech (any case) on conn.
func (c *Config) Start(mech string, conn Conn) (Server, error) {
	mech = strings.ToUpper(mech)
	if c == nil {
		return nil, fmt.Errorf("%w: %s: no SASL configuration", ErrUnsupported, mech)
	}
	if err := c.check(mech, conn); err != nil {
		return nil, err
	}
	switch mech {
	case Plain:
		return &plainServer{cfg: c}, nil
	case Login:
		return &loginServer{cfg: c}, nil
	}
	hash, plus := scramHash(mech)
	// RFC 5802 §6: a client that could bind but believes the server
	// cannot says "y"; that is a downgrade when this server offers the
	// -PLUS variant on this very connection.
	plusOffered := c.check("SCRAM-"+hash+"-PLUS", conn) == nil
	return newSCRAMServer(c, conn, hash, plus, plusOffered), nil
}

func (c *Config) canonical(name string) string {
	if c == nil || c.Canonical == nil {
		return name
	}
	return c.Canonical(name)
}
