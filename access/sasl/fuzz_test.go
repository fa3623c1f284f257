package sasl

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The SCRAM client messages come from the network unauthenticated: any
// bytes get a parse or ErrMalformed, never a panic, and what parses
// keeps the invariants the exchange relies on.

func FuzzSCRAMClientFirst(f *testing.F) {
	for _, s := range []string{
		"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		"p=tls-exporter,a=bob,n=a=2Cb=3Dc,r=x,e=ext",
		"y,,m=ext,n=user,r=x", "n,a=,n=u,r=x", "n,,n=u=2,r=x", "p=,,n=u,r=x", "",
	} {
		f.Add([]byte(s))
	}
	cfg := users{"user": "pencil"}.config(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := parseClientFirst(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if m.gs2Header+m.bare != string(msg) || m.user == "" || !validNonce(m.nonce) || !strings.Contains("nyp", string(m.cbFlag)) {
			t.Fatalf("parsed %q as %+v", msg, m)
		}
		// A whole exchange from it must end cleanly too.
		s, _ := cfg.Start("SCRAM-SHA-256", local)
		if _, _, err := s.Next(msg); err != nil && !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("exchange: %v", err)
		}
	})
}

func FuzzSCRAMClientFinal(f *testing.F) {
	for _, s := range []string{
		"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"c=biws,r=x,e=1,p=AAAA", "c=,r=x,p=AAAA", "c=biws,p=AAAA", "p=", ",p=,p=",
	} {
		f.Add([]byte(s))
	}
	cfg := users{"user": "pencil"}.config(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := parseClientFinal(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if !bytes.HasPrefix(msg, []byte(m.withoutProof+",p=")) || len(m.proof) == 0 || len(m.cbind) == 0 || !validNonce(m.nonce) {
			t.Fatalf("parsed %q as %+v", msg, m)
		}
		// As the second message of an exchange: refused, never accepted.
		s, _ := cfg.Start("SCRAM-SHA-1", local)
		if _, _, err := s.Next([]byte("n,,n=user,r=abc")); err != nil {
			t.Fatal(err)
		}
		if _, done, err := s.Next(msg); done || err == nil {
			t.Fatalf("forged client-final %q accepted", msg)
		}
	})
}
