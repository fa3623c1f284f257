package ingest

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want Address
	}{
		{"alice@example.com", Address{Local: "alice", Domain: "example.com"}},
		{"alice@EXAMPLE.Com", Address{Local: "alice", Domain: "example.com"}},
		{"Alice@example.com", Address{Local: "Alice", Domain: "example.com"}},
		{"alice", Address{Local: "alice"}},
		{"alice+Work@example.com", Address{Local: "alice", Detail: "Work", Domain: "example.com"}},
		{"alice+Work/Sub@example.com", Address{Local: "alice", Detail: "Work/Sub", Domain: "example.com"}},
		{"alice+a+b@example.com", Address{Local: "alice", Detail: "a+b", Domain: "example.com"}},
		{"alice+@example.com", Address{Local: "alice", Domain: "example.com"}},
		{"john.doe@example.com", Address{Local: "john.doe", Domain: "example.com"}},
		{`"john doe"@example.com`, Address{Local: "john doe", Domain: "example.com"}},
		{`"john\"doe"@example.com`, Address{Local: `john"doe`, Domain: "example.com"}},
		{`"a\\b"@example.com`, Address{Local: `a\b`, Domain: "example.com"}},
		{`"a@b"@example.com`, Address{Local: "a@b", Domain: "example.com"}},
		{`"alice+Work"@example.com`, Address{Local: "alice", Detail: "Work", Domain: "example.com"}},
		{"bob@[192.0.2.1]", Address{Local: "bob", Domain: "[192.0.2.1]"}},
		{"bob@[IPv6:2001:db8::1]", Address{Local: "bob", Domain: "[ipv6:2001:db8::1]"}},
		{"user@sub.example.co.uk", Address{Local: "user", Domain: "sub.example.co.uk"}},
	} {
		got, err := ParseAddress(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseAddressRefusesBadOnes(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"alice@",
		"@example.com",
		"+Work@example.com",
		`""@example.com`,
		`"unterminated@example.com`,
		`"dangling\"@example.com`,
		`"a"b"@example.com`,
		"alice@exa mple.com",
		"alice@example.com>",
		"alice@<example.com",
		"alice@(comment)example.com",
		"alice@exam;ple.com",
		"alice@[1.2.3.4",
		"alice@[1.2 3.4]",
		"ali\x00ce@example.com",
		"ali\nce@example.com",
		"ali\x7fce@example.com",
		"alice@exa\x00mple.com",
		"alice@example.com\x01",
		"alice@exam\x7fple.com",
		"alice@\xff\xfe.example.com",
		strings.Repeat("a", 513),
		strings.Repeat("a", 500) + "@" + strings.Repeat("b", 12),
	} {
		if got, err := ParseAddress(in); err == nil {
			t.Errorf("ParseAddress(%q) = %+v, want an error", in, got)
		}
	}
}

// join writes an address back the way an MTA would send it.
func join(a Address) string {
	local := a.Local
	if a.Detail != "" {
		local += "+" + a.Detail
	}
	if strings.HasPrefix(local, `"`) {
		local = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(local) + `"`
	}
	if a.Domain == "" {
		return local
	}
	return local + "@" + a.Domain
}

// FuzzParseAddress: no input panics ParseAddress, and an address it accepts,
// written back, parses to the same value.
func FuzzParseAddress(f *testing.F) {
	for _, seed := range []string{"alice@example.com", "alice+Work@example.com", `"john doe"@example.com`,
		`"a\"b+c"@x.org`, "bob@[192.0.2.1]", "alice", "a+b+c@D.E", "@", `"`, "x@[", "\x00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAddress(in)
		if err != nil {
			return
		}
		if a.Local == "" || strings.Contains(a.Local, "+") {
			t.Fatalf("ParseAddress(%q) = %+v: empty local part or a '+' left in it", in, a)
		}
		if a.Domain != strings.ToLower(a.Domain) {
			t.Fatalf("ParseAddress(%q): domain %q not lower case", in, a.Domain)
		}
		again := join(a)
		if len(again) > 512 {
			return // lower-casing may lengthen a name past the limit
		}
		b, err := ParseAddress(again)
		if err != nil || b != a {
			t.Fatalf("ParseAddress(%q) = %+v, written back as %q parses to %+v, %v", in, a, again, b, err)
		}
	})
}
