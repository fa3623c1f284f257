package message

import (
	"slices"
	"testing"
)

// The base subject of RFC 5256 §2.1, step by step.
func TestBaseSubject(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, base string
		reply    bool
	}{
		{"", "", false},
		{"hello", "hello", false},
		{"Re: hello", "hello", true},
		{"RE:hello", "hello", true},
		{"re : hello", "hello", true},
		{"Fwd: hello", "hello", true},
		{"fw: hello", "hello", true},
		{"Re: Re: Fwd: hello", "hello", true},
		{"Re[2]: hello", "hello", true},
		{"[list] Re: hello", "hello", true},
		{"Re: [list] hello", "hello", true},
		{"[list] hello", "hello", false},
		{"[list]", "[list]", false}, // step 4: a blob that would leave nothing stays
		{"[a] [b]", "[b]", false},
		{"hello (fwd)", "hello", true},
		{"hello (FWD) (fwd)  ", "hello", true},
		{"[Fwd: hello]", "hello", true},
		{"[fwd: Re: hello (fwd)]", "hello", true},
		{"Re: [Fwd: [list] hello]", "hello", true},
		{"  hello \t  world  ", "hello world", false},
		{"hello\r\n world", "hello world", false},
		{"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Grüße", false},
		{"Re: =?ISO-8859-1?Q?caf=E9?=", "café", true},
		{"Really: no", "Really: no", false},
		{"Re hello", "Re hello", false},
		{"[unterminated hello", "[unterminated hello", false},
		{"Re:", "", true},
	}
	for _, c := range cases {
		base, reply := BaseSubject(c.in)
		if base != c.base || reply != c.reply {
			t.Errorf("BaseSubject(%q) = %q, %v; want %q, %v", c.in, base, reply, c.base, c.reply)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"":                                   nil,
		"<a@b>":                              {"<a@b>"},
		"<a@b> <c@d>\r\n\t<e@f>":             {"<a@b>", "<c@d>", "<e@f>"},
		`"Bob's message of" <a@b> (comment)`: {"<a@b>"},
		"<> <a b@c> <d@e>":                   {"<d@e>"},
		"<x <y@z>":                           {"<y@z>"},
		"<unterminated":                      nil,
	}
	for in, want := range cases {
		if got := MessageIDs(in); !slices.Equal(got, want) {
			t.Errorf("MessageIDs(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzBaseSubject(f *testing.F) {
	for _, s := range []string{"Re: [x] Fwd: [fwd: a (fwd)]", "[[]]", "re[", "=?utf-8?b?w6k=?="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		base, _ := BaseSubject(s)
		if again, _ := BaseSubject(base); len(again) > len(base) {
			t.Errorf("BaseSubject grew %q to %q", base, again)
		}
		MessageIDs(s)
	})
}

// FirstAddress agrees with ParseAddressList on the first address, by its
// fast path and by the full parser.
func TestFirstAddress(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		"", "alice@example.com", "  Alice Smith   <alice@example.com> ", "Alice <alice@example.com>, bob@example.com",
		`"Smith, Alice" <alice@example.com>`, "=?UTF-8?Q?=C3=89mile?= <emile@example.com>", "alice@example.com (Alice)",
		"team: alice@example.com, bob@example.com;", "<alice@example.com>", "Ali\u00e9 <a@b.example>", "not an address",
		"a@b@c", "<a@b>>", "J. Smith <j@example.com>",
	} {
		name, addr := FirstAddress(v)
		var wantName, wantAddr string
		if list := ParseAddressList(v); len(list) > 0 {
			wantName, wantAddr = list[0].Name, list[0].Address
		}
		if name != wantName || addr != wantAddr {
			t.Errorf("FirstAddress(%q) = %q, %q; ParseAddressList says %q, %q", v, name, addr, wantName, wantAddr)
		}
	}
}
