package store_test

import (
	"testing"

	"chapar/store"
)

// FuzzACLInput: the rights and identifiers SETACL and DELETEACL take from
// the network, and defaultacl from the configuration, never panic, and
// rights read back as what they were written.
func FuzzACLInput(f *testing.F) {
	for _, s := range []string{"lrswipkxtecdan", "cd", "+lr", "-x", "anyone lrs group:staff lrsp", "-bob w", "group: l", "a\x00b r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := store.ParseRights(s); err == nil {
			again, err := store.ParseRights(r.String())
			if err != nil || again != r {
				t.Fatalf("ParseRights(%q) = %q, which reads back as %q, %v", s, r, again, err)
			}
		}
		if acl, err := store.ParseACL(s); err == nil {
			for id, rights := range acl {
				if id == "" || id == "-" {
					t.Fatalf("ParseACL(%q) took identifier %q", s, id)
				}
				if _, err := store.ParseRights(rights); err != nil {
					t.Fatalf("ParseACL(%q) kept rights %q: %v", s, rights, err)
				}
			}
		}
	})
}
