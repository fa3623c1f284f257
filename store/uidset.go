package store

import (
	"slices"
	"strconv"
	"strings"
)

// FormatUIDSet renders UIDs as an IMAP sequence set ("1:3,7").
func FormatUIDSet(uids []uint32) string {
	if len(uids) == 0 {
		return ""
	}
	sorted := slices.Clone(uids)
	slices.Sort(sorted)
	var b strings.Builder
	start, prev := sorted[0], sorted[0]
	flush := func() {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(start), 10))
		if prev != start {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(prev), 10))
		}
	}
	for _, u := range sorted[1:] {
		if u == prev || u == prev+1 {
			prev = u
			continue
		}
		flush()
		start, prev = u, u
	}
	flush()
	return b.String()
}
