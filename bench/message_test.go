package main

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/mail"
	"strings"
	"testing"
)

// checkCRLF fails unless every line of b ends in CRLF and there is no bare
// CR or LF.
func checkCRLF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("message does not end in CRLF")
	}
	for i, c := range b {
		switch c {
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				t.Fatalf("bare LF at %d", i)
			}
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				t.Fatalf("bare CR at %d", i)
			}
		}
	}
}

func TestMessageShape(t *testing.T) {
	g := newMsgGen()
	rng := rand.New(rand.NewPCG(3, 4))
	m := g.next([]string{"test1@example.com", "test2@example.com"}, 4096, rng)
	checkCRLF(t, m.Body)
	msg, err := mail.ReadMessage(bytes.NewReader(m.Body))
	if err != nil {
		t.Fatalf("not a parseable message: %v", err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.MessageID+">" {
		t.Fatalf("Message-ID header %q, want <%s>", got, m.MessageID)
	}
	if got := msg.Header.Get("From"); got != m.From {
		t.Fatalf("From %q, want %q", got, m.From)
	}
	if got := msg.Header.Get("To"); got != "test1@example.com, test2@example.com" {
		t.Fatalf("To %q", got)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	if msg.Header.Get("Subject") != m.Subject {
		t.Fatalf("Subject mismatch")
	}
	// Lines stay within RFC 5322's 78 characters.
	sc := bufio.NewScanner(bytes.NewReader(m.Body))
	for sc.Scan() {
		if l := len(strings.TrimSuffix(sc.Text(), "\r")); l > 78 {
			t.Fatalf("line of %d characters", l)
		}
	}
}

func TestMessageIDsUnique(t *testing.T) {
	g := newMsgGen()
	other := newMsgGen()
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[string]bool{}
	for i := 0; i < 5000; i++ {
		gen := g
		if i%2 == 1 {
			gen = other // two runs must not collide either
		}
		m := gen.next([]string{"a@b"}, 600, rng)
		if seen[m.MessageID] {
			t.Fatalf("duplicate Message-ID %s", m.MessageID)
		}
		seen[m.MessageID] = true
	}
}

func TestMessageIDsUniqueConcurrent(t *testing.T) {
	g := newMsgGen()
	ch := make(chan string, 4000)
	for w := 0; w < 4; w++ {
		go func(w int) {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; i < 1000; i++ {
				ch <- g.next(nil, 500, rng).MessageID
			}
		}(w)
	}
	seen := map[string]bool{}
	for i := 0; i < 4000; i++ {
		id := <-ch
		if seen[id] {
			t.Fatalf("duplicate Message-ID %s", id)
		}
		seen[id] = true
	}
}

func TestMessageSize(t *testing.T) {
	g := newMsgGen()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range []int{1024, 2000, 4096, 10000, 65536, 500 * 1024} {
		for i := 0; i < 20; i++ {
			m := g.next([]string{"test1@example.com"}, size, rng)
			checkCRLF(t, m.Body)
			// Within 1% or 2 bytes, whichever is larger.
			tol := size / 100
			if tol < 2 {
				tol = 2
			}
			if d := len(m.Body) - size; d < -tol || d > tol {
				t.Fatalf("size %d: got %d bytes", size, len(m.Body))
			}
		}
	}
}

func TestMessageSizeMix(t *testing.T) {
	g := newMsgGen()
	rng := rand.New(rand.NewPCG(9, 10))
	small, medium, large := 0, 0, 0
	const n = 2000
	for i := 0; i < n; i++ {
		m := g.next([]string{"test1@example.com"}, 0, rng)
		checkCRLF(t, m.Body)
		switch l := len(m.Body); {
		case l >= 2000 && l <= 8300:
			small++
		case l >= 30*1024-100 && l <= 100*1024+100:
			medium++
		case l >= 500*1024-100:
			large++
		default:
			t.Fatalf("size %d is outside the mix", l)
		}
	}
	if small < n*70/100 || medium < n*10/100 || large < n/100 || large > n*6/100 {
		t.Fatalf("mix small/medium/large = %d/%d/%d of %d", small, medium, large, n)
	}
}

func TestUserNames(t *testing.T) {
	cfg := &config{userFormat: "test%d", domain: "example.com"}
	if got := cfg.userAddr(3); got != "test3@example.com" {
		t.Fatalf("userAddr = %q", got)
	}
	cfg.userFormat = "u%03d@other.example"
	if got := cfg.userAddr(7); got != "u007@other.example" {
		t.Fatalf("userAddr = %q", got)
	}
}
