package sasl

import (
	"encoding/base64"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// The exchanges of RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3
// (SCRAM-SHA-256), byte for byte, with the server nonce and salt of the
// RFCs and keys derived from "pencil".
func TestSCRAMRFCVectors(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		mech, hash, salt, serverNonce string
		clientFirst, serverFirst      string
		clientFinal, serverFinal      string
	}{
		{
			"SCRAM-SHA-1", "SHA-1", "QSXCR+Q6sek8bf92", "3rfcNHYJY1ZVvWVs7j",
			"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
			"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		},
		{
			"SCRAM-SHA-256", "SHA-256", "W22ZaJ0SNY7soEsUEjb6gQ==", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
			"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		},
	} {
		salt, _ := base64.StdEncoding.DecodeString(v.salt)
		keys, err := store.DeriveSCRAMKeys(v.hash, "pencil", salt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		cfg := &Config{
			SCRAMKeys: func(user, h string) (store.SCRAMKeys, error) {
				if user != "user" || h != v.hash {
					t.Errorf("keys asked for %q %q", user, h)
				}
				return keys, nil
			},
			nonce: func() string { return v.serverNonce },
		}
		s, err := cfg.Start(v.mech, local)
		if err != nil {
			t.Fatal(err)
		}
		if c, done, err := s.Next(nil); len(c) != 0 || done || err != nil {
			t.Fatalf("%s: first challenge %q %v %v", v.mech, c, done, err)
		}
		c, done, err := s.Next([]byte(v.clientFirst))
		if string(c) != v.serverFirst || done || err != nil {
			t.Fatalf("%s: server-first %q %v %v, want %q", v.mech, c, done, err, v.serverFirst)
		}
		c, done, err = s.Next([]byte(v.clientFinal))
		if string(c) != v.serverFinal || !done || err != nil {
			t.Fatalf("%s: server-final %q %v %v, want %q", v.mech, c, done, err, v.serverFinal)
		}
		if id := s.Identity(); id.User != "user" || id.Authz != "" {
			t.Errorf("%s: identity %+v", v.mech, id)
		}
		if _, _, err := s.Next([]byte{}); err == nil {
			t.Errorf("%s: a step after the end was taken", v.mech)
		}
	}
}

// scram runs a whole exchange of mech with client c and returns the
// server's identity and error; the server-final message is verified.
func scram(t *testing.T, cfg *Config, conn Conn, mech string, c *testkit.SCRAMClient, tamper func(final string) string) (Identity, error) {
	t.Helper()
	s, err := cfg.Start(mech, conn)
	if err != nil {
		return Identity{}, err
	}
	serverFirst, _, err := s.Next(c.First())
	if err != nil {
		return s.Identity(), err
	}
	final, err := c.Final(serverFirst)
	if err != nil {
		t.Fatalf("%s: client: %v", mech, err)
	}
	if tamper != nil {
		final = []byte(tamper(string(final)))
	}
	serverFinal, done, err := s.Next(final)
	if err != nil {
		return s.Identity(), err
	}
	if !done {
		t.Fatalf("%s: not done after the client-final message", mech)
	}
	if err := c.Verify(serverFinal); err != nil {
		t.Errorf("%s: %v", mech, err)
	}
	return s.Identity(), nil
}

func TestSCRAMExchange(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret", "a,b=c": "pw", "legacy": "old"}.config(t)
	cfg.Canonical = strings.ToLower
	for _, mech := range []string{"SCRAM-SHA-1", "SCRAM-SHA-256"} {
		h := hashes[strings.TrimPrefix(mech, "SCRAM-")]
		id, err := scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "Alice", Password: "secret"}, nil)
		if err != nil || id != (Identity{User: "alice"}) {
			t.Errorf("%s: %+v %v", mech, id, err)
		}
		// A name with the characters saslname escapes, and an authzid.
		id, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "a,b=c", Password: "pw", Authz: "bob,=x"}, nil)
		if err != nil || id != (Identity{User: "a,b=c", Authz: "bob,=x"}) {
			t.Errorf("%s escaped names: %+v %v", mech, id, err)
		}
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "wrong"}, nil)
		wantErr(t, mech+" wrong password", err, ErrAuthFailed)
		id, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "nobody", Password: "secret"}, nil)
		wantErr(t, mech+" unknown user", err, ErrAuthFailed)
		if id.User != "nobody" {
			t.Errorf("%s unknown user: failure charged to %q", mech, id.User)
		}
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "legacy", Password: "old"}, nil)
		wantErr(t, mech+" user without keys", err, ErrAuthFailed)
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, func(f string) string {
			return strings.Replace(f, ",r=", ",r=X", 1)
		})
		wantErr(t, mech+" bad nonce", err, ErrAuthFailed)
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, func(f string) string {
			i := strings.LastIndex(f, ",p=") + 3
			p, _ := base64.StdEncoding.DecodeString(f[i:])
			p[0] ^= 1
			return f[:i] + base64.StdEncoding.EncodeToString(p)
		})
		wantErr(t, mech+" bad proof", err, ErrAuthFailed)
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, func(f string) string {
			return strings.Replace(f, "c=biws", "c=eSws", 1) // "y,," for "n,,"
		})
		wantErr(t, mech+" GS2 header changed", err, ErrAuthFailed)
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret"}, func(f string) string {
			return f[:strings.LastIndex(f, ",p=")]
		})
		wantErr(t, mech+" no proof", err, ErrMalformed)
		// Without TLS the -PLUS variant is not offered, so "y" is fine,
		// and "p" is refused.
		if _, err := scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret", Flag: "y"}, nil); err != nil {
			t.Errorf("%s with y and no TLS: %v", mech, err)
		}
		_, err = scram(t, cfg, local, mech, &testkit.SCRAMClient{Hash: h, User: "alice", Password: "secret", Flag: "p", CBName: TLSExporter}, nil)
		wantErr(t, mech+" binding without -PLUS", err, ErrAuthFailed)
		_, err = cfg.Start(mech+"-PLUS", local)
		wantErr(t, mech+"-PLUS without TLS", err, ErrUnsupported)
	}
}

// An unknown user is told a salt and iteration count like a real user's,
// the same each time, so that SCRAM does not reveal who exists.
func TestSCRAMUnknownUserLooksReal(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	first := func(user string) string {
		s, _ := cfg.Start("SCRAM-SHA-256", local)
		c, _, err := s.Next([]byte("n,,n=" + user + ",r=abc"))
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(c), ",")
		return parts[1] + "," + parts[2]
	}
	a, b := first("nobody"), first("nobody")
	if a != b {
		t.Errorf("unknown user's salt changes: %q then %q", a, b)
	}
	if !strings.HasSuffix(a, ",i=2") || strings.Count(first("alice"), "=") < 2 {
		t.Errorf("decoy %q", a)
	}
	if a == first("someone") {
		t.Error("two unknown users share a salt")
	}
}
