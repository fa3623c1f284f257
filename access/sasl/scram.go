package sasl

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"

	"chapar/store"
)

// scramServer is SCRAM (RFC 5802 §5), server side: client-first, then
// server-first (nonce, salt, iterations), client-final (binding, proof),
// then server-final (the server's signature) as data with success.
type scramServer struct {
	cfg         *Config
	conn        Conn
	hashName    string
	h           func() hash.Hash
	plus        bool // the -PLUS mechanism: the client must bind
	plusOffered bool // the -PLUS one is offered on this connection
	step        int
	id          Identity

	first       clientFirst
	cbData      []byte // the binding data of first.cbName, for 'p'
	keys        store.SCRAMKeys
	refuse      error // set when the user cannot log in; told after the proof
	nonce       string
	serverFirst string
}

func newSCRAMServer(cfg *Config, conn Conn, hashName string, plus, plusOffered bool) *scramServer {
	return &scramServer{cfg: cfg, conn: conn, hashName: hashName, h: store.SCRAMHash(hashName), plus: plus, plusOffered: plusOffered}
}

func (s *scramServer) Identity() Identity { return s.id }

func (s *scramServer) mech() string {
	if s.plus {
		return "SCRAM-" + s.hashName + "-PLUS"
	}
	return "SCRAM-" + s.hashName
}

func (s *scramServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case s.step == 0 && resp == nil:
		// RFC 5802 §5: the client speaks first; no initial response
		// means an empty challenge to ask for it.
		s.step = 1
		return []byte{}, false, nil
	case s.step <= 1:
		s.step = 2
		return s.serverFirstMessage(resp)
	case s.step == 2:
		s.step = 3
		return s.serverFinalMessage(resp)
	}
	return nil, false, fmt.Errorf("%w: %s: exchange already over", ErrMalformed, s.mech())
}

func (s *scramServer) failed(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrAuthFailed, s.mech(), fmt.Sprintf(format, args...))
}

func (s *scramServer) serverFirstMessage(resp []byte) ([]byte, bool, error) {
	m, err := parseClientFirst(resp)
	if err != nil {
		return nil, false, err
	}
	s.first = m
	s.id = Identity{User: s.cfg.canonical(m.user), Authz: m.authz}
	// RFC 5802 §6: a -PLUS exchange must bind, a client that could bind
	// must not be talked out of it, and binding needs a server that can.
	// Cyrus SASL's clients bind under the name without -PLUS; where the
	// -PLUS one is offered that binding is checked like any other.
	switch {
	case s.plus && m.cbFlag != 'p':
		return nil, false, s.failed("client does not bind the channel (flag %q)", m.cbFlag)
	case !s.plus && m.cbFlag == 'p' && !s.plusOffered:
		return nil, false, s.failed("channel binding without the -PLUS mechanism")
	case m.cbFlag == 'y' && s.plusOffered:
		return nil, false, s.failed("client believes the server cannot bind, but it offers %s-PLUS (downgrade)", s.mech())
	case m.cbFlag == 'p':
		if s.cbData, err = bindingData(m.cbName, s.conn); err != nil {
			return nil, false, s.failed("%v", err)
		}
	}
	s.keys, err = s.cfg.SCRAMKeys(s.id.User, s.hashName)
	if errors.Is(err, store.ErrNoUser) || errors.Is(err, store.ErrNoSCRAMKeys) {
		// Go on with made-up keys, so that the client learns no more
		// than from a wrong password, and fail at the proof.
		s.refuse = s.failed("%s: %v", s.id.User, err)
		s.keys = s.decoy(s.id.User)
	} else if err != nil {
		return nil, false, fmt.Errorf("%s keys of %s: %w", s.mech(), s.id.User, err)
	}
	if s.cfg.nonce != nil {
		s.nonce = m.nonce + s.cfg.nonce()
	} else {
		b := make([]byte, 18)
		rand.Read(b)
		s.nonce = m.nonce + base64.StdEncoding.EncodeToString(b)
	}
	s.serverFirst = "r=" + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(s.keys.Salt) + ",i=" + strconv.Itoa(s.keys.Iterations)
	return []byte(s.serverFirst), false, nil
}

func (s *scramServer) serverFinalMessage(resp []byte) ([]byte, bool, error) {
	m, err := parseClientFinal(resp)
	if err != nil {
		return nil, false, err
	}
	if m.nonce != s.nonce {
		return nil, false, s.failed("nonce does not match the one agreed")
	}
	// c= is the GS2 header again, followed by the binding data when the
	// client binds (RFC 5802 §7, channel-binding).
	want := append([]byte(s.first.gs2Header), s.cbData...)
	if !hmac.Equal(m.cbind, want) {
		return nil, false, s.failed("channel binding does not match")
	}
	authMessage := s.first.bare + "," + s.serverFirst + "," + m.withoutProof
	// RFC 5802 §3: ClientKey := ClientProof XOR HMAC(StoredKey,
	// AuthMessage), and H(ClientKey) must be StoredKey.
	sig := s.mac(s.keys.StoredKey, authMessage)
	if len(m.proof) != len(sig) {
		return nil, false, s.failed("proof of %d bytes", len(m.proof))
	}
	for i := range sig {
		sig[i] ^= m.proof[i]
	}
	h := s.h()
	h.Write(sig)
	good := hmac.Equal(h.Sum(nil), s.keys.StoredKey)
	if s.refuse != nil {
		return nil, false, s.refuse
	}
	if !good {
		return nil, false, s.failed("%s: wrong proof", s.id.User)
	}
	return []byte("v=" + base64.StdEncoding.EncodeToString(s.mac(s.keys.ServerKey, authMessage))), true, nil
}

func (s *scramServer) mac(key []byte, msg string) []byte {
	m := hmac.New(s.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// decoySecret keys the made-up salts of unknown users: stable for one
// process, so that asking twice tells the same salt, as for a real user.
var decoySecret = func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}()

// decoy is the keys told for a user who has none: a salt derived from
// the name, the usual iteration count, and keys no proof matches.
func (s *scramServer) decoy(user string) store.SCRAMKeys {
	m := hmac.New(s.h, decoySecret)
	m.Write([]byte(s.hashName + "\x00" + user))
	salt := m.Sum(nil)[:16]
	iter := s.cfg.DecoyIterations
	if iter <= 0 {
		iter = store.DefaultSCRAMIterations
	}
	stored := make([]byte, s.h().Size())
	rand.Read(stored)
	return store.SCRAMKeys{Salt: salt, Iterations: iter, StoredKey: stored, ServerKey: stored}
}
