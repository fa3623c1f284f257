package store

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
)

// SCRAM (RFC 5802 §3): what the server keeps to check a SCRAM login, for
// each hash, instead of the password. StoredKey verifies the client's
// proof and ServerKey signs the server's answer; neither lets a thief of
// the store log in without first guessing the password through PBKDF2.

// SCRAMHashes are the hashes whose keys AddUser and SetPassword derive,
// by the names the mechanisms carry (SCRAM-SHA-1, RFC 5802; SCRAM-SHA-256,
// RFC 7677).
var SCRAMHashes = []string{"SHA-1", "SHA-256"}

// DefaultSCRAMIterations is RFC 7677 §4's least iteration count for
// SCRAM-SHA-256, and Cyrus SASL's default (scram_iteration_counter).
const DefaultSCRAMIterations = 4096

// ErrNoSCRAMKeys: the user exists but has no SCRAM keys, because its
// password was set before chapar derived them; setting it again makes them.
var ErrNoSCRAMKeys = errors.New("no SCRAM keys for this user: set the password again")

// SCRAMKeys are one hash's keys of a user.
type SCRAMKeys struct {
	Salt       []byte `json:"salt"`
	Iterations int    `json:"iterations"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
}

// SCRAMHash is the hash function of a SCRAM hash name, or nil.
func SCRAMHash(name string) func() hash.Hash {
	switch name {
	case "SHA-1":
		return sha1.New
	case "SHA-256":
		return sha256.New
	}
	return nil
}

// DeriveSCRAMKeys computes the keys of RFC 5802 §3 from a password:
// SaltedPassword := Hi(password, salt, i) (PBKDF2 with HMAC), ClientKey :=
// HMAC(SaltedPassword, "Client Key"), StoredKey := H(ClientKey), ServerKey
// := HMAC(SaltedPassword, "Server Key"). The password is taken as its
// UTF-8 bytes: SASLprep (RFC 4013) is the identity on printable ASCII,
// which is what clients send in practice.
func DeriveSCRAMKeys(hashName, password string, salt []byte, iterations int) (SCRAMKeys, error) {
	h := SCRAMHash(hashName)
	if h == nil {
		return SCRAMKeys{}, fmt.Errorf("scram: unknown hash %q", hashName)
	}
	if iterations < 1 {
		return SCRAMKeys{}, fmt.Errorf("scram: iteration count %d", iterations)
	}
	salted, err := pbkdf2.Key(h, password, salt, iterations, h().Size())
	if err != nil {
		return SCRAMKeys{}, fmt.Errorf("scram %s: %w", hashName, err)
	}
	mac := func(msg string) []byte {
		m := hmac.New(h, salted)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	client := h()
	client.Write(mac("Client Key"))
	return SCRAMKeys{Salt: salt, Iterations: iterations, StoredKey: client.Sum(nil), ServerKey: mac("Server Key")}, nil
}

// newSCRAMKeys derives every hash's keys, each with a fresh salt.
func newSCRAMKeys(password string, iterations int) (map[string]SCRAMKeys, error) {
	keys := map[string]SCRAMKeys{}
	for _, name := range SCRAMHashes {
		// RFC 5802 §5.1 asks for a salt unique per user; 16 random bytes.
		salt := make([]byte, 16)
		rand.Read(salt)
		k, err := DeriveSCRAMKeys(name, password, salt, iterations)
		if err != nil {
			return nil, err
		}
		keys[name] = k
	}
	return keys, nil
}

// SCRAMKeys returns a user's keys for hashName: ErrNoUser for no such
// user, ErrNoSCRAMKeys for a user whose password predates them.
func (s *Store) SCRAMKeys(name, hashName string) (SCRAMKeys, error) {
	u, err := s.GetUser(name)
	if err != nil {
		return SCRAMKeys{}, err
	}
	k, ok := u.SCRAM[hashName]
	if !ok {
		return SCRAMKeys{}, fmt.Errorf("user %s, %s: %w", u.Name, hashName, ErrNoSCRAMKeys)
	}
	return k, nil
}
