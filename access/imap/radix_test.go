package imap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	gens := map[string]func() uint64{
		"any":      rng.Uint64,
		"low byte": func() uint64 { return rng.Uint64N(256) },
		"packed":   func() uint64 { return rng.Uint64N(1<<20)<<32 | rng.Uint64N(100_000) },
		"few":      func() uint64 { return rng.Uint64N(3) << 40 },
		"one":      func() uint64 { return 42 },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 255, 256, 1000, 70_000} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = gen()
			}
			want := slices.Sorted(slices.Values(keys))
			radixSort(keys)
			if !slices.Equal(keys, want) {
				t.Errorf("%s, %d keys: not sorted", name, n)
			}
		}
	}
}
