package imap

import "slices"

// radixSort sorts keys in place, least significant byte first, skipping
// the bytes every key shares. It is for SORT's packed (number, position)
// keys (sortorder.go): at 100,000 of them it does in a few passes over
// memory what a comparison sort does in 1.7 million comparisons.
func radixSort(keys []uint64) {
	if len(keys) < 256 {
		slices.Sort(keys)
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for d := range 8 {
			counts[d][byte(k>>(8*d))]++
		}
	}
	buf := make([]uint64, len(keys))
	src, dst := keys, buf
	for d := range 8 {
		c := &counts[d]
		if c[byte(src[0]>>(8*d))] == len(src) {
			continue // one value of this byte: the pass would change nothing
		}
		at := 0
		for b, n := range c {
			c[b] = at
			at += n
		}
		shift := 8 * d
		for _, k := range src {
			b := byte(k >> shift)
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
