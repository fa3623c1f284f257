package sasl

import "testing"

// BenchmarkSCRAMServer is the server's share of one SCRAM-SHA-256 login:
// parsing, the key lookup (a map here), the nonce, and the proof check;
// the PBKDF2 work is the client's.
func BenchmarkSCRAMServer(b *testing.B) {
	cfg := users{"alice": "secret"}.config(b)
	c := newClient("alice", "secret")
	first := c.First()
	s, _ := cfg.Start("SCRAM-SHA-256", local)
	serverFirst, _, err := s.Next(first)
	if err != nil {
		b.Fatal(err)
	}
	final, _ := c.Final(serverFirst)
	// The same client-final message fits only its own server nonce, so
	// each round fixes the nonce to the one the client answered.
	nonce := string(serverFirst[len("r=")+len(c.Nonce) : len("r=")+len(c.Nonce)+24])
	cfg.nonce = func() string { return nonce }
	b.ReportAllocs()
	for b.Loop() {
		s, _ := cfg.Start("SCRAM-SHA-256", local)
		if _, _, err := s.Next(first); err != nil {
			b.Fatal(err)
		}
		if _, done, err := s.Next(final); !done || err != nil {
			b.Fatal(err)
		}
	}
}
