package imap

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"
)

// Equal lists get one number, different lists different numbers, past the
// point where the sets are indexed too; the empty list is number 0.
func TestFlagSetsIntern(t *testing.T) {
	t.Parallel()
	var fs flagSets
	if n := fs.intern(nil); n != 0 || fs.get(0) != nil {
		t.Fatalf("empty list = %d, %v", n, fs.get(0))
	}
	seen := map[uint32][]string{}
	for round := 0; round < 2; round++ {
		for i := 0; i < 3*linearSets; i++ {
			flags := []string{`\Seen`, fmt.Sprintf("$kw%d", i)}
			n := fs.intern(flags)
			if n == 0 {
				t.Fatalf("%v got number 0", flags)
			}
			if prev, ok := seen[n]; ok && !slices.Equal(prev, flags) {
				t.Fatalf("%v and %v share number %d", prev, flags, n)
			}
			seen[n] = flags
			if !slices.Equal(fs.get(n), flags) {
				t.Fatalf("get(%d) = %v, want %v", n, fs.get(n), flags)
			}
		}
	}
	if len(seen) != 3*linearSets {
		t.Errorf("%d numbers for %d distinct lists", len(seen), 3*linearSets)
	}
	// Order matters to the key: ["a","b"] is not ["ab"].
	if fs.intern([]string{"a", "b"}) == fs.intern([]string{"ab"}) {
		t.Error(`["a" "b"] and ["ab"] share a number`)
	}
	if fs.get(1<<20) != nil {
		t.Error("an unknown number has flags")
	}
}

// A message's place in a view stays at 24 bytes: an idle session's memory
// is mostly its view (see flagSets).
func TestViewMsgSize(t *testing.T) {
	t.Parallel()
	if size := unsafe.Sizeof(viewMsg{}); size > 24 {
		t.Errorf("viewMsg is %d bytes, want at most 24", size)
	}
}
