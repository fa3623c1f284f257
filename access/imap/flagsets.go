package imap

import "slices"

// flagSets interns the flag lists of one view's messages: a mailbox has a
// handful of distinct combinations (none, \Seen, \Seen \Answered, ...) over
// thousands of messages, so each message keeps a small number instead of
// its own slice. That took a message's place in the view from 48 bytes to
// 24: an idle session on a 2,000-message INBOX held about 100 KB of view.
// Number 0 is the empty list, so a zero viewMsg has no flags.
type flagSets struct {
	sets  [][]string // by number; sets[0] is the empty list once any is interned
	index map[string]uint32
	key   []byte // scratch for index lookups
}

// linearSets is how many sets are searched one by one before an index is
// built: most views never need one.
const linearSets = 32

// get returns the list numbered n. Callers must not change it.
func (fs *flagSets) get(n uint32) []string {
	if int(n) >= len(fs.sets) {
		return nil
	}
	return fs.sets[n]
}

// intern returns the number of flags' list, adding it if new. The view
// keeps flags itself from then on, so the caller must not change it.
func (fs *flagSets) intern(flags []string) uint32 {
	if len(flags) == 0 {
		return 0
	}
	if len(fs.sets) == 0 {
		fs.sets = append(fs.sets, nil)
	}
	if fs.index == nil {
		for n := 1; n < len(fs.sets); n++ {
			if slices.Equal(fs.sets[n], flags) {
				return uint32(n)
			}
		}
		if len(fs.sets) < linearSets {
			fs.sets = append(fs.sets, flags)
			return uint32(len(fs.sets) - 1)
		}
		fs.index = make(map[string]uint32, 2*linearSets)
		for n := 1; n < len(fs.sets); n++ {
			fs.index[string(fs.keyOf(fs.sets[n]))] = uint32(n)
		}
	}
	if n, ok := fs.index[string(fs.keyOf(flags))]; ok {
		return n
	}
	fs.sets = append(fs.sets, flags)
	n := uint32(len(fs.sets) - 1)
	fs.index[string(fs.key)] = n
	return n
}

// keyOf writes flags into the scratch key: flag names hold no NUL.
func (fs *flagSets) keyOf(flags []string) []byte {
	fs.key = fs.key[:0]
	for _, f := range flags {
		fs.key = append(fs.key, f...)
		fs.key = append(fs.key, 0)
	}
	return fs.key
}
