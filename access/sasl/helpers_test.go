package sasl

import (
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"hash"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// users is a credentials table for tests: name → password, from which
// SCRAM keys are derived as the store derives them; "legacy" has a
// password but no SCRAM keys, as a user set before chapar made them.
type users map[string]string

func (u users) config(t testing.TB) *Config {
	t.Helper()
	keys := map[string]store.SCRAMKeys{}
	for name, pw := range u {
		if name == "legacy" {
			continue
		}
		for _, h := range store.SCRAMHashes {
			k, err := store.DeriveSCRAMKeys(h, pw, []byte("salt of "+name), 2)
			if err != nil {
				t.Fatal(err)
			}
			keys[name+"/"+h] = k
		}
	}
	return &Config{
		CheckPassword: func(user, pw string) (bool, error) {
			want, ok := u[user]
			if !ok {
				return false, store.ErrNoUser
			}
			return pw == want, nil
		},
		SCRAMKeys: func(user, h string) (store.SCRAMKeys, error) {
			if _, ok := u[user]; !ok {
				return store.SCRAMKeys{}, store.ErrNoUser
			}
			k, ok := keys[user+"/"+h]
			if !ok {
				return store.SCRAMKeys{}, store.ErrNoSCRAMKeys
			}
			return k, nil
		},
		DecoyIterations: 2,
	}
}

var hashes = map[string]func() hash.Hash{"SHA-1": sha1.New, "SHA-256": sha256.New}

// local is a connection where everything is allowed but binding.
var local = Conn{PlaintextOK: true, HashedOK: true}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func newClient(user, password string) *testkit.SCRAMClient {
	return &testkit.SCRAMClient{Hash: sha256.New, User: user, Password: password}
}
