package imap

// matchPattern reports whether name matches a LIST pattern: "*" matches
// anything, "%" anything but the hierarchy separator (RFC 9051 §6.3.9).
// It is a dynamic programme over pattern and name, so a pattern of many
// wildcards costs len(pattern)*len(name), never exponential time.
func matchPattern(pattern, name string, sep byte) bool {
	// cur[j]: pattern[:i] matches name[:j].
	cur := make([]bool, len(name)+1)
	next := make([]bool, len(name)+1)
	cur[0] = true
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		for j := range next {
			next[j] = false
		}
		switch c {
		case '*', '%':
			// next[j] = cur[k] for some k <= j, with name[k:j] free of sep
			// for "%".
			run := false
			for j := 0; j <= len(name); j++ {
				if j > 0 && c == '%' && name[j-1] == sep {
					run = false
				}
				run = run || cur[j]
				next[j] = run
			}
		default:
			for j := 1; j <= len(name); j++ {
				next[j] = cur[j-1] && name[j-1] == c
			}
		}
		cur, next = next, cur
	}
	return cur[len(name)]
}
