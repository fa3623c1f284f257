package store_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil", i=4096,
// whose client proofs and server signatures the exchanges there carry;
// the keys below are what those exchanges imply.
func TestDeriveSCRAMKeysRFCVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		hash, salt, storedKey, serverKey string
	}{
		{"SHA-1", "QSXCR+Q6sek8bf92", "6dlGYMOdZcOPutkcNY8U2g7vK9Y=", "D+CSWLOshSulAsxiupA+qs2/fTE="},
		{"SHA-256", "W22ZaJ0SNY7soEsUEjb6gQ==", "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=", "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="},
	} {
		salt, _ := base64.StdEncoding.DecodeString(tc.salt)
		k, err := store.DeriveSCRAMKeys(tc.hash, "pencil", salt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if got := base64.StdEncoding.EncodeToString(k.StoredKey); got != tc.storedKey {
			t.Errorf("%s StoredKey %s, want %s", tc.hash, got, tc.storedKey)
		}
		if got := base64.StdEncoding.EncodeToString(k.ServerKey); got != tc.serverKey {
			t.Errorf("%s ServerKey %s, want %s", tc.hash, got, tc.serverKey)
		}
	}
	if _, err := store.DeriveSCRAMKeys("MD5", "pencil", []byte("salt"), 1); err == nil {
		t.Error("MD5 keys derived")
	}
}

// AddUser and SetPassword keep SCRAM keys, never the password, with the
// iteration count of the options.
func TestSCRAMKeysKept(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost, SCRAMIterations: 3})
	if err := s.AddUser("carol", "hunter2"); err != nil {
		t.Fatal(err)
	}
	first := map[string]store.SCRAMKeys{}
	for _, h := range store.SCRAMHashes {
		k, err := s.SCRAMKeys("carol", h)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		want, _ := store.DeriveSCRAMKeys(h, "hunter2", k.Salt, 3)
		if k.Iterations != 3 || len(k.Salt) < 16 || !bytes.Equal(k.StoredKey, want.StoredKey) || !bytes.Equal(k.ServerKey, want.ServerKey) {
			t.Errorf("%s keys %+v, want %+v", h, k, want)
		}
		first[h] = k
	}
	u, _ := s.GetUser("carol")
	if u == nil || strings.Contains(string(u.PasswordHash), "hunter2") {
		t.Fatalf("user %+v", u)
	}
	if err := s.SetPassword("carol", "correct horse"); err != nil {
		t.Fatal(err)
	}
	k, err := s.SCRAMKeys("carol", "SHA-256")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := store.DeriveSCRAMKeys("SHA-256", "correct horse", k.Salt, 3); !bytes.Equal(k.StoredKey, want.StoredKey) {
		t.Error("SetPassword left the old StoredKey")
	}
	if bytes.Equal(k.Salt, first["SHA-256"].Salt) {
		t.Error("SetPassword kept the old salt")
	}
	if _, err := s.SCRAMKeys("nobody", "SHA-256"); !errors.Is(err, store.ErrNoUser) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := s.SCRAMKeys("carol", "SHA-512"); !errors.Is(err, store.ErrNoSCRAMKeys) {
		t.Errorf("unknown hash: %v", err)
	}
}
