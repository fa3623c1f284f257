package message

import (
	"fmt"
	"strings"
	"testing"
)

// render writes items compactly: "[name:" opens a group, "]" closes it.
func render(items []AddressItem) string {
	var parts []string
	for _, it := range items {
		switch {
		case it.Address != nil:
			parts = append(parts, fmt.Sprintf("%s<%s>", it.Address.Name, it.Address.Address))
		case it.GroupEnd:
			parts = append(parts, "]")
		default:
			parts = append(parts, "["+it.Group+":")
		}
	}
	return strings.Join(parts, " ")
}

func TestAddressItemsKeepGroups(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"a@example.org", "<a@example.org>"},
		{"undisclosed-recipients:;", "[undisclosed-recipients: ]"},
		{`Team: "Ann A" <ann@x.org>, bob@x.org; carol@y.org`, "[Team: Ann A<ann@x.org> <bob@x.org> ] <carol@y.org>"},
		{`first@a.org, "Friends, old" (the lot): x@b.org;`, "<first@a.org> [Friends, old: <x@b.org> ]"},
		{`=?utf-8?q?J=C3=BCrg=27s?= list: j@c.org;`, "[Jürg's list: <j@c.org> ]"},
		// A colon inside a quoted name or an obsolete route is no group.
		{`"Re: you" <r@d.org>`, "Re: you<r@d.org>"},
		// (net/mail reads no routes, so that address is lost, as before.)
		{`<@relay.org:e@e.org>, f@f.org`, "<f@f.org>"},
		// No ";": the group ends with the value.
		{`G: g@g.org, h@h.org`, "[G: <g@g.org> <h@h.org> ]"},
		{`A: a@a.org; B: ; c@c.org`, "[A: <a@a.org> ] [B: ] <c@c.org>"},
		{"", ""},
	}
	for _, c := range cases {
		if got := render(AddressItems(c.in)); got != c.want {
			t.Errorf("AddressItems(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzAddressItems: any value splits without a panic, and every group
// that starts ends.
func FuzzAddressItems(f *testing.F) {
	f.Add(`Team: "Ann A" <ann@x.org>, bob@x.org; carol@y.org`)
	f.Add(`"a\"b:" (c:\)d;) <@r:e@f>, g: ;`)
	f.Fuzz(func(t *testing.T, v string) {
		open := false
		for _, it := range AddressItems(v) {
			switch {
			case it.Address != nil:
			case it.GroupEnd:
				if !open {
					t.Fatalf("group end without start in %q", v)
				}
				open = false
			default:
				if open {
					t.Fatalf("nested group in %q", v)
				}
				open = true
			}
		}
		if open {
			t.Fatalf("group never ends in %q", v)
		}
	})
}
