package sasl

import (
	"errors"
	"strings"
	"testing"
)

func TestPlain(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	cfg.Canonical = strings.ToLower
	for _, tc := range []struct {
		resp string
		want error
		id   Identity
	}{
		{"\x00Alice\x00secret", nil, Identity{User: "alice"}},
		{"bob\x00alice\x00secret", nil, Identity{User: "alice", Authz: "bob"}},
		{"\x00alice\x00wrong", ErrAuthFailed, Identity{User: "alice"}},
		{"\x00nobody\x00secret", ErrAuthFailed, Identity{User: "nobody"}},
		{"alice\x00secret", ErrMalformed, Identity{}},
		{"\x00\x00secret", ErrMalformed, Identity{}},
		{"\x00a\x00b\x00c", ErrMalformed, Identity{}},
	} {
		s, err := cfg.Start("plain", local)
		if err != nil {
			t.Fatal(err)
		}
		// Without an initial response first: an empty challenge.
		if c, done, err := s.Next(nil); len(c) != 0 || c == nil || done || err != nil {
			t.Fatalf("PLAIN first step: %q %v %v", c, done, err)
		}
		_, done, err := s.Next([]byte(tc.resp))
		if tc.want == nil && (err != nil || !done) || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("PLAIN %q: done %v, %v; want %v", tc.resp, done, err, tc.want)
		}
		if s.Identity() != tc.id {
			t.Errorf("PLAIN %q: identity %+v, want %+v", tc.resp, s.Identity(), tc.id)
		}
	}
	backend := errors.New("disk on fire")
	broken := &Config{CheckPassword: func(string, string) (bool, error) { return false, backend }}
	s, _ := broken.Start("PLAIN", local)
	if _, _, err := s.Next([]byte("\x00a\x00b")); !errors.Is(err, backend) || errors.Is(err, ErrAuthFailed) {
		t.Errorf("backend failure: %v", err)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	// Through Run, as a protocol drives it: no initial response.
	var asked []string
	answers := []string{"alice", "secret"}
	s, err := cfg.Start("LOGIN", local)
	if err != nil {
		t.Fatal(err)
	}
	extra, err := Run(s, nil, false, func(c []byte) ([]byte, error) {
		asked = append(asked, string(c))
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	})
	if err != nil || extra != nil || strings.Join(asked, " ") != "Username: Password:" || s.Identity().User != "alice" {
		t.Errorf("LOGIN: asked %q, %v %q %+v", asked, err, extra, s.Identity())
	}
	// The initial response is the user name.
	s, _ = cfg.Start("LOGIN", local)
	_, err = Run(s, []byte("alice"), false, func(c []byte) ([]byte, error) {
		if string(c) != "Password:" {
			t.Errorf("LOGIN with initial response asked %q", c)
		}
		return []byte("wrong"), nil
	})
	wantErr(t, "LOGIN wrong password", err, ErrAuthFailed)
}

// Run sends SCRAM's server-final message as a last challenge where the
// protocol has no success data, and insists on an empty answer.
func TestRunSuccessData(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	for _, last := range []string{"", "junk"} {
		s, _ := cfg.Start("SCRAM-SHA-256", local)
		c := newClient("alice", "secret")
		var challenges int
		_, err := Run(s, c.First(), false, func(ch []byte) ([]byte, error) {
			challenges++
			if challenges == 1 {
				return c.Final(ch)
			}
			if err := c.Verify(ch); err != nil {
				t.Error(err)
			}
			return []byte(last), nil
		})
		if last == "" && (err != nil || challenges != 2) {
			t.Errorf("Run: %v after %d challenges", err, challenges)
		}
		if last != "" {
			wantErr(t, "non-empty last answer", err, ErrMalformed)
		}
	}
	s, _ := cfg.Start("SCRAM-SHA-256", local)
	c := newClient("alice", "secret")
	extra, err := Run(s, c.First(), true, func(ch []byte) ([]byte, error) { return c.Final(ch) })
	if err != nil || c.Verify(extra) != nil {
		t.Errorf("Run with success data: %q %v", extra, err)
	}
}

// Offer and Start follow sasl_mech_list and the connection's rules.
func TestOfferAndStart(t *testing.T) {
	t.Parallel()
	cfg := users{"alice": "secret"}.config(t)
	for _, tc := range []struct {
		list  []string
		conn  Conn
		offer string
	}{
		{nil, local, "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN"},
		{nil, Conn{HashedOK: true}, "SCRAM-SHA-256 SCRAM-SHA-1"},
		{nil, Conn{}, ""},
		{[]string{"plain", "DIGEST-MD5", "scram-sha-1", "PLAIN"}, local, "PLAIN SCRAM-SHA-1"},
		{[]string{}, local, ""},
	} {
		c := *cfg
		c.Mechanisms = tc.list
		if got := strings.Join(c.Offer(tc.conn), " "); got != tc.offer {
			t.Errorf("Offer(%v, %+v) = %q, want %q", tc.list, tc.conn, got, tc.offer)
		}
	}
	_, err := cfg.Start("PLAIN", Conn{HashedOK: true})
	wantErr(t, "PLAIN where passwords may not pass", err, ErrNeedTLS)
	_, err = cfg.Start("SCRAM-SHA-1", Conn{})
	wantErr(t, "SCRAM where a layer is required", err, ErrNeedTLS)
	_, err = cfg.Start("CRAM-MD5", local)
	wantErr(t, "CRAM-MD5", err, ErrUnsupported)
	only := *cfg
	only.Mechanisms = []string{"PLAIN"}
	_, err = only.Start("LOGIN", local)
	wantErr(t, "LOGIN not listed", err, ErrUnsupported)
	noKeys := *cfg
	noKeys.SCRAMKeys = nil
	if got := strings.Join(noKeys.Offer(local), " "); got != "PLAIN LOGIN" {
		t.Errorf("offer without SCRAM keys: %s", got)
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	cfg := &Config{Canonical: strings.ToLower}
	admin := func(u string) bool { return u == "root" }
	for _, tc := range []struct {
		id   Identity
		as   string
		want error
	}{
		{Identity{User: "alice"}, "alice", nil},
		{Identity{User: "alice", Authz: "ALICE"}, "alice", nil},
		{Identity{User: "alice", Authz: "bob"}, "", ErrNotAuthorized},
		{Identity{User: "root", Authz: "Bob"}, "bob", nil},
	} {
		as, err := cfg.Authorize(tc.id, admin)
		if as != tc.as || !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
			t.Errorf("Authorize(%+v) = %q, %v; want %q, %v", tc.id, as, err, tc.as, tc.want)
		}
	}
}
