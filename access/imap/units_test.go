package imap

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestModifiedUTF7(t *testing.T) {
	t.Parallel()
	for dec, enc := range map[string]string{
		"INBOX":              "INBOX",
		"Entwürfe":           "Entw&APw-rfe",
		"Tom & Jerry":        "Tom &- Jerry",
		"日本語":                "&ZeVnLIqe-",
		"~peter/mail/台北/日本語": "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		"😀":                  "&2D3eAA-",
	} {
		if got := encodeMUTF7(dec); got != enc {
			t.Errorf("encode %q = %q, want %q", dec, got, enc)
		}
		if got, err := decodeMUTF7(enc); err != nil || got != dec {
			t.Errorf("decode %q = %q, %v; want %q", enc, got, err, dec)
		}
	}
	for _, bad := range []string{"&", "&Jjo", "&AGE-", "a\x80", "&Jjo!-"} {
		if _, err := decodeMUTF7(bad); err == nil {
			t.Errorf("decode %q: no error", bad)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pat, name string
		want      bool
	}{
		{"*", "a/b/c", true},
		{"%", "a/b", false},
		{"%", "a", true},
		{"a/%", "a/b", true},
		{"a/%", "a/b/c", false},
		{"a/*", "a/b/c", true},
		{"*c", "a/b/c", true},
		{"a%c", "abc", true},
		{"a%c", "a/c", false},
		{"INBOX", "INBOX", true},
		{"", "", true},
		{"x", "", false},
		{strings.Repeat("*a", 50), strings.Repeat("a", 200) + "b", false},
	} {
		if got := matchPattern(c.pat, c.name, '/'); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.pat, c.name, got)
		}
	}
}

func TestNamespaceMapping(t *testing.T) {
	t.Parallel()
	type pair struct{ ext, internal string }
	for _, c := range []struct {
		user        string
		unix, alt   bool
		pairs       []pair
		invalidExts []string
	}{
		{"alice", true, true, []pair{
			{"INBOX", "user.alice"}, {"Work", "user.alice.Work"}, {"Work/Sub", "user.alice.Work.Sub"},
			{"a.b", "user.alice.a^b"}, {"Other Users/bob", "user.bob"}, {"Other Users/bob/X", "user.bob.X"},
			{"Shared Folders/News", "News"},
		}, []string{"", "INBOX/x", "a//b", "a^b", "Other Users", "Shared Folders"}},
		{"alice", true, false, []pair{
			{"INBOX", "user.alice"}, {"INBOX/Work", "user.alice.Work"}, {"user/bob", "user.bob"}, {"News", "News"},
		}, []string{"user"}},
		{"alice", false, false, []pair{
			{"INBOX", "user.alice"}, {"INBOX.Work", "user.alice.Work"}, {"user.bob.X", "user.bob.X"},
		}, []string{"INBOX.a/b", "INBOX.a@b"}},
		{"bob@example.com", true, true, []pair{
			{"INBOX", "example.com!user.bob"}, {"Work", "example.com!user.bob.Work"}, {"Other Users/carol", "example.com!user.carol"},
		}, nil},
	} {
		ns := newNamespace(c.user, c.unix, c.alt)
		for _, p := range c.pairs {
			if got, ok := ns.internal(p.ext); !ok || got != p.internal {
				t.Errorf("%s %v/%v: internal(%q) = %q, %v; want %q", c.user, c.unix, c.alt, p.ext, got, ok, p.internal)
			}
			if got, ok := ns.external(p.internal); !ok || got != p.ext {
				t.Errorf("%s %v/%v: external(%q) = %q, %v; want %q", c.user, c.unix, c.alt, p.internal, got, ok, p.ext)
			}
		}
		for _, ext := range c.invalidExts {
			if got, ok := ns.internal(ext); ok {
				t.Errorf("%s: internal(%q) = %q, want invalid", c.user, ext, got)
			}
		}
		if _, ok := ns.external("other.org!user.x"); ok {
			t.Errorf("%s sees another domain", c.user)
		}
	}
}

func TestSequenceSets(t *testing.T) {
	t.Parallel()
	p := &parser{line: []byte("1:3,7,10:*,*:20")}
	s := p.numSet()
	for n, want := range map[uint32]bool{1: true, 3: true, 4: false, 7: true, 9: false, 10: true, 25: true, 26: false} {
		if got := s.contains(n, 25); got != want {
			t.Errorf("contains(%d) = %v", n, got)
		}
	}
	if s.maxExplicit() != 20 {
		t.Errorf("maxExplicit %d", s.maxExplicit())
	}
	// "*" in an empty mailbox matches nothing.
	if (&numSet{ranges: []numRange{{0, 0}}}).contains(0, 0) {
		t.Error("* matched in an empty mailbox")
	}
}

// The parser reads literals only when the line ends in one, and asks for a
// synchronizing one with "+".
func TestParserLiterals(t *testing.T) {
	t.Parallel()
	conts := 0
	in := &input{r: bufio.NewReader(bytes.NewReader([]byte("a LOGIN {5}\r\nalice {2+}\r\npw\r\n"))), maxLine: 100, cont: func() error { conts++; return nil }}
	p := newParser(in)
	if err := p.next(); err != nil {
		t.Fatal(err)
	}
	c, args := parseCommand(p)
	a := args.(loginArgs)
	if c.tag != "a" || c.name != "LOGIN" || a.user != "alice" || a.pass != "pw" || conts != 1 {
		t.Errorf("%+v %+v conts %d", c, a, conts)
	}
}
